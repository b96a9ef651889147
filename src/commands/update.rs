//! `update`: change a live container's resource limits.
//!
//! The request is a linux.resources object (`--resources FILE|-`) with
//! runc's individual flags laid over it. It is merged into what the
//! container has (recorded in state.json), every write is decided and checked
//! before the first is made, and only the controllers the request names are
//! written. Device rules are rewritten only when the request gives different
//! ones (engines resend the same list with every update).

use crate::cgroups::{self, resources};
use crate::cli::{GlobalOpts, UpdateArgs};
use crate::error::{About, Result, SysResult};
use crate::state::{ContainerDir, Status};
use oci_spec::runtime::LinuxResources;
use serde_json::{json, Value};
use std::io::Read;
use std::path::Path;

pub fn run(g: &GlobalOpts, a: &UpdateArgs) -> Result<i32> {
    let request = request(a)?;
    let dir = ContainerDir::open(&g.root, &a.id)?;
    let mut state = dir.load()?;
    if let s @ (Status::Stopped | Status::Creating) = state.status() {
        return Err(super::Error::wrong_status("update", s)).in_container(&a.id);
    }
    let base = state.resources.clone().unwrap_or_default();
    let changed = changes(a, request, &base)?;
    let merged = resources::merge(&base, &changed)?;
    let cg = cgroups::bind(&state.cgroups)?;
    check_before_update(&cg, &merged, &changed)?;
    cgroups::update(&cg, &merged, &changed).map_err(|e| name_the_flag(e, a))?;
    state.resources = Some(merged);
    dir.save(&state)?;
    Ok(0)
}

/// How a flag's text becomes a JSON value.
#[derive(Clone, Copy, Debug)]
enum Form {
    /// Bytes: 1024, 64m, 1.5g, 2GiB, or -1.
    Size,
    Int,
    Uint,
    Text,
}

/// A flag, the linux.resources field it sets, its form and its value.
struct Flag<'a>(&'static str, &'static str, Form, Option<&'a str>);

fn flags(a: &UpdateArgs) -> Vec<Flag<'_>> {
    use Form::*;
    vec![
        Flag("--memory", "memory.limit", Size, a.memory.as_deref()),
        Flag("--memory-reservation", "memory.reservation", Size, a.memory_reservation.as_deref()),
        Flag("--memory-swap", "memory.swap", Size, a.memory_swap.as_deref()),
        Flag("--kernel-memory", "memory.kernel", Size, a.kernel_memory.as_deref()),
        Flag("--kernel-memory-tcp", "memory.kernelTCP", Size, a.kernel_memory_tcp.as_deref()),
        Flag("--cpu-share", "cpu.shares", Uint, a.cpu_share.as_deref()),
        Flag("--cpu-quota", "cpu.quota", Int, a.cpu_quota.as_deref()),
        Flag("--cpu-period", "cpu.period", Uint, a.cpu_period.as_deref()),
        Flag("--cpu-burst", "cpu.burst", Uint, a.cpu_burst.as_deref()),
        Flag("--cpu-rt-period", "cpu.realtimePeriod", Uint, a.cpu_rt_period.as_deref()),
        Flag("--cpu-rt-runtime", "cpu.realtimeRuntime", Int, a.cpu_rt_runtime.as_deref()),
        Flag("--cpu-idle", "cpu.idle", Int, a.cpu_idle.as_deref()),
        Flag("--cpuset-cpus", "cpu.cpus", Text, a.cpuset_cpus.as_deref()),
        Flag("--cpuset-mems", "cpu.mems", Text, a.cpuset_mems.as_deref()),
        Flag("--pids-limit", "pids.limit", Int, a.pids_limit.as_deref()),
        Flag("--blkio-weight", "blockIO.weight", Uint, a.blkio_weight.as_deref()),
    ]
}

/// The request as a JSON object: --resources first, each flag over it.
fn request(a: &UpdateArgs) -> Result<Value> {
    if a.l3_cache_schema.is_some() || a.mem_bw_schema.is_some() {
        let flag = if a.l3_cache_schema.is_some() { "--l3-cache-schema" } else { "--mem-bw-schema" };
        return Err(crate::Error::flag(flag, "Intel RDT is not supported by berth"));
    }
    let mut req = match &a.resources {
        Some(path) => read_resources(path)?,
        None => json!({}),
    };
    for Flag(flag, path, form, value) in flags(a) {
        let Some(text) = value else { continue };
        let v = parse_flag(text, form).map_err(|e| crate::Error::flag(flag, format!("{text:?}: {e}")))?;
        let (section, key) = path.split_once('.').unwrap_or((path, ""));
        if !(req[section].is_object() || req[section].is_null()) {
            return Err(crate::Error::flag("--resources", format!("{section} is not an object")));
        }
        req[section][key] = v;
    }
    Ok(req)
}

/// The JSON object --resources names (`-`: stdin).
fn read_resources(path: &str) -> Result<Value> {
    let text = match path {
        "-" => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).sys("read stdin").map(|_| text)
        }
        p => std::fs::read_to_string(p).sys_at("read", Path::new(p)),
    }
    .flag("--resources")?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| in_resources(path, crate::spec::Error::Syntax { msg: e.to_string() }.into()))?;
    if !v.is_object() {
        return Err(in_resources(path, "not a JSON object (give the linux.resources object)".into()));
    }
    Ok(v)
}

/// `e`, about what the file --resources named (`-`: stdin) holds.
fn in_resources(path: &str, e: crate::Error) -> crate::Error {
    let e = if path == "-" { e } else { crate::Error::path(path, e) };
    crate::Error::flag("--resources", e)
}

fn parse_flag(text: &str, form: Form) -> Result<Value, String> {
    match form {
        Form::Size => memory_size(text).map(Value::from),
        Form::Int => text.parse::<i64>().map(Value::from).map_err(|_| "not an integer".into()),
        Form::Uint => text.parse::<u64>().map(Value::from).map_err(|_| "not a non-negative integer".into()),
        Form::Text => Ok(Value::from(text)),
    }
}

/// A size as runc reads one (docker's RAMInBytes): a number with an optional
/// fraction, an optional space, an optional k/m/g/t/p (powers of 1024) with
/// optional `i` and `b`; or -1 for "no limit".
pub fn memory_size(text: &str) -> Result<i64, String> {
    if text == "-1" {
        return Ok(-1);
    }
    let bad = || "not a size (bytes, or a number with k, m, g, t or p such as 64m; -1 for none)".to_string();
    let mut rest = text.strip_suffix(['b', 'B']).unwrap_or(text);
    rest = rest.strip_suffix(['i', 'I']).unwrap_or(rest);
    let mut multiplier = 1f64;
    if let Some(unit) = rest.chars().last().filter(|c| c.is_ascii_alphabetic()) {
        let power = "kmgtp".find(unit.to_ascii_lowercase()).ok_or_else(bad)?;
        multiplier = 1024f64.powi(power as i32 + 1);
        rest = &rest[..rest.len() - 1];
    }
    let number = rest.strip_suffix(' ').unwrap_or(rest);
    let well_formed = number.split_once('.').map_or(all_digits(number), |(i, f)| all_digits(i) && all_digits(f));
    if !well_formed {
        return Err(bad());
    }
    let bytes = number.parse::<f64>().map_err(|_| bad())? * multiplier;
    if bytes >= i64::MAX as f64 {
        return Err("too large".into());
    }
    Ok(bytes as i64)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The request as resources, with runc's rules applied: a memory limit
/// lifted to -1 lifts the swap limit too (v1 refuses memory above
/// memory+swap), and device rules equal to the current ones are not
/// rewritten (engines send them with every update).
fn changes(a: &UpdateArgs, mut req: Value, base: &LinuxResources) -> Result<LinuxResources> {
    let base_swap = base.memory().as_ref().and_then(|m| m.swap());
    if req["memory"]["limit"] == -1 && req["memory"].get("swap").is_none() && base_swap.is_some_and(|s| s != -1) {
        req["memory"]["swap"] = json!(-1);
    }
    let mut changed: LinuxResources = crate::spec::json_path::from_value(&req).map_err(|e| {
        let field = crate::Error::field(format!("linux.resources.{}", e.path), e.msg);
        match &a.resources {
            Some(path) if !given(a).any(|(_, p)| e.path == p) => in_resources(path, field),
            _ => name_the_flag(field, a),
        }
    })?;
    if changed.devices().is_some() && changed.devices() == base.devices() {
        changed.set_devices(None);
    }
    Ok(changed)
}

/// The flags given, with their fields.
fn given(a: &UpdateArgs) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
    flags(a).into_iter().filter(|f| f.3.is_some()).map(|Flag(flag, path, ..)| (flag, path))
}

/// An error about a field the user set with a flag names the flag instead.
fn name_the_flag(e: crate::Error, a: &UpdateArgs) -> crate::Error {
    match e {
        crate::Error::Field { field, reason } => {
            match given(a).find(|(_, path)| field.strip_prefix("linux.resources.") == Some(*path)) {
                Some((flag, _)) => crate::Error::flag(flag, *reason),
                None => crate::Error::Field { field, reason },
            }
        }
        e => e,
    }
}

/// memory.checkBeforeUpdate: refuse a limit below what the container uses
/// now, instead of letting the kernel reclaim or OOM-kill to get there.
fn check_before_update(cg: &cgroups::Bound, merged: &LinuxResources, changed: &LinuxResources) -> Result<()> {
    let check = merged.memory().as_ref().and_then(|m| m.check_before_update()).unwrap_or(false);
    let Some(limit) = changed.memory().as_ref().and_then(|m| m.limit()).filter(|l| *l > 0) else { return Ok(()) };
    if !check {
        return Ok(());
    }
    let usage_file = match (cg.v1("memory"), cg.v2()) {
        (Some(dir), _) => dir.join("memory.usage_in_bytes"),
        (None, Some((_, dir))) => dir.join("memory.current"),
        _ => return Ok(()),
    };
    let usage: i64 = std::fs::read_to_string(&usage_file).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
    if limit < usage {
        return Err(crate::Error::field(
            "linux.resources.memory.limit",
            format!("{limit} is below the current usage {usage} (checkBeforeUpdate)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(f: impl FnOnce(&mut UpdateArgs)) -> UpdateArgs {
        let mut a = UpdateArgs { id: "c".into(), ..UpdateArgs::default() };
        f(&mut a);
        a
    }

    #[test]
    fn memory_sizes_as_runc_reads_them() {
        for (text, bytes) in [
            ("1024", 1024),
            ("64m", 64 << 20),
            ("64M", 64 << 20),
            ("64MB", 64 << 20),
            ("64MiB", 64 << 20),
            ("64 m", 64 << 20),
            ("1g", 1 << 30),
            ("1.5k", 1536),
            ("2t", 2 << 40),
            ("1p", 1 << 50),
            ("10b", 10),
            ("-1", -1),
        ] {
            assert_eq!(memory_size(text), Ok(bytes), "{text}");
        }
        for bad in ["", "m", "-2", "12q", "1.2.3", "1e3", " 5", "5  m", "99999999p", ".5m"] {
            assert!(memory_size(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn flags_become_a_resources_object() {
        let a = args(|a| {
            a.memory = Some("64m".into());
            a.cpu_quota = Some("-1".into());
            a.cpuset_cpus = Some("0".into());
            a.pids_limit = Some("20".into());
        });
        let r = changes(&a, request(&a).unwrap(), &LinuxResources::default()).unwrap();
        assert_eq!(r.memory().unwrap().limit(), Some(64 << 20));
        assert_eq!(r.cpu().as_ref().unwrap().quota(), Some(-1));
        assert_eq!(r.cpu().as_ref().unwrap().cpus().as_deref(), Some("0"));
        assert_eq!(r.pids().unwrap().limit(), 20);
        assert!(r.block_io().is_none(), "untouched controllers stay out");
    }

    #[test]
    fn errors_name_the_flag() {
        let err = |f: fn(&mut UpdateArgs)| {
            let a = args(f);
            request(&a)
                .and_then(|r| changes(&a, r, &LinuxResources::default()))
                .and_then(|c| {
                    resources::wanted(&c)
                        .iter()
                        .try_for_each(|(ctl, _)| {
                            resources::controller_writes(&c, ctl, resources::Version::V1).map(|_| ())
                        })
                        .map_err(|e| name_the_flag(e, &a))
                })
                .unwrap_err()
                .to_string()
        };
        assert!(err(|a| a.memory = Some("12q".into())).starts_with("--memory: \"12q\": not a size"));
        assert!(err(|a| a.cpu_period = Some("-5".into())).starts_with("--cpu-period: \"-5\""));
        assert!(err(|a| a.blkio_weight = Some("70000".into())).starts_with("--blkio-weight: invalid value"));
        assert!(err(|a| a.blkio_weight = Some("5".into())).starts_with("--blkio-weight: 5 is outside"));
        assert!(err(|a| a.memory = Some("0".into())).starts_with("--memory: 0 is not a limit"));
        assert!(err(|a| a.l3_cache_schema = Some("L3:0=f".into())).starts_with("--l3-cache-schema: Intel RDT"));
    }

    #[test]
    fn lifting_the_memory_limit_lifts_swap_and_same_devices_are_kept() {
        let base: LinuxResources = serde_json::from_value(json!({
            "memory": {"limit": 1024, "swap": 2048},
            "devices": [{"allow": false, "access": "rwm"}]
        }))
        .unwrap();
        let a = args(|a| a.memory = Some("-1".into()));
        let r = changes(&a, request(&a).unwrap(), &base).unwrap();
        assert_eq!(r.memory().unwrap().swap(), Some(-1));
        let same = changes(&a, json!({"devices": [{"allow": false, "access": "rwm"}]}), &base).unwrap();
        assert!(same.devices().is_none());
        let other = changes(&a, json!({"devices": [{"allow": true, "access": "rwm"}]}), &base).unwrap();
        assert!(other.devices().is_some());
    }
}
