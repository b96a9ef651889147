//! `linux.resources` as a list of file writes per controller, in cgroup v1 or
//! v2 form. Pure functions: what to write is decided (and validated) here,
//! without touching any cgroup, so every rule is testable on its own.

use crate::error::{About, Result};
use oci_spec::runtime::{LinuxDeviceCgroup, LinuxDeviceType, LinuxResources};

/// One value written to one file of one controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub controller: &'static str,
    pub file: String,
    pub value: String,
    /// The config field it comes from, for error messages.
    pub field: &'static str,
}

/// Returns why a linux.resources field is refused, under the field (so that
/// `update` can name the flag that set it): `field_bail!(field, "fmt", args...)`.
macro_rules! field_bail {
    ($field:expr, $($arg:tt)*) => {
        return Err($crate::Error::field($field, format!($($arg)*)))
    };
}

fn w(controller: &'static str, file: impl Into<String>, value: impl ToString, field: &'static str) -> Write {
    Write { controller, file: file.into(), value: value.to_string(), field }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Version {
    V1,
    V2,
}

/// The controllers `r` needs, each with its writes in the given version.
pub fn controller_writes(r: &LinuxResources, controller: &str, v: Version) -> Result<Vec<Write>> {
    match controller {
        "memory" => memory(r, v),
        "cpu" => cpu(r, v),
        "cpuset" => cpuset(r),
        "pids" => pids(r),
        "blkio" | "io" => block_io(r, v),
        "hugetlb" => hugetlb(r, v),
        "net_cls" | "net_prio" => network(r, v, controller),
        "rdma" => rdma(r),
        _ => Ok(vec![]),
    }
}

/// Which controllers a config asks for (v1 names; `io` is `blkio` on v2).
pub fn wanted(r: &LinuxResources) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if r.memory().is_some() {
        out.push(("memory", "linux.resources.memory"));
    }
    if let Some(c) = r.cpu() {
        let cfs = c.shares().is_some_and(|s| s > 0)
            || c.quota().is_some()
            || c.period().is_some()
            || c.burst().is_some()
            || c.idle().is_some()
            || c.realtime_period().is_some()
            || c.realtime_runtime().is_some();
        if cfs {
            out.push(("cpu", "linux.resources.cpu"));
        }
        if c.cpus().as_ref().is_some_and(|s| !s.is_empty()) || c.mems().as_ref().is_some_and(|s| !s.is_empty()) {
            out.push(("cpuset", "linux.resources.cpu.cpus/mems"));
        }
    }
    if r.pids().is_some() {
        out.push(("pids", "linux.resources.pids"));
    }
    if r.block_io().is_some() {
        out.push(("blkio", "linux.resources.blockIO"));
    }
    if r.hugepage_limits().as_ref().is_some_and(|h| !h.is_empty()) {
        out.push(("hugetlb", "linux.resources.hugepageLimits"));
    }
    if let Some(n) = r.network() {
        if n.class_id().is_some() {
            out.push(("net_cls", "linux.resources.network.classID"));
        }
        if n.priorities().as_ref().is_some_and(|p| !p.is_empty()) {
            out.push(("net_prio", "linux.resources.network.priorities"));
        }
    }
    if r.rdma().as_ref().is_some_and(|m| !m.is_empty()) {
        out.push(("rdma", "linux.resources.rdma"));
    }
    out
}

/// `changes` laid over `base`: objects merge field by field (memory.limit
/// alone keeps memory.swap), anything else replaces (a device list is a
/// whole). Used by `update`, whose writers need both halves of pairs such as
/// v2's cpu.max or memory.swap.max.
pub fn merge(base: &LinuxResources, changes: &LinuxResources) -> Result<LinuxResources> {
    let failed = |e: serde_json::Error| crate::Error::field("linux.resources", format!("merging the update: {e}"));
    let mut merged = serde_json::to_value(base).map_err(failed)?;
    merge_json(&mut merged, &serde_json::to_value(changes).map_err(failed)?);
    serde_json::from_value(merged).map_err(failed)
}

fn merge_json(base: &mut serde_json::Value, patch: &serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(old) if !v.is_null() => merge_json(old, v),
                    None if !v.is_null() => {
                        b.insert(k.clone(), v.clone());
                    }
                    _ => {}
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// -1 means unlimited; anything else must be positive.
fn limit(value: i64, field: &'static str, v: Version) -> Result<String> {
    match value {
        -1 => Ok(if v == Version::V1 { "-1".into() } else { "max".into() }),
        n if n > 0 => Ok(n.to_string()),
        n => field_bail!(field, "{n} is not a limit (use a positive number, or -1 for none)"),
    }
}

fn memory(r: &LinuxResources, v: Version) -> Result<Vec<Write>> {
    let Some(m) = r.memory() else { return Ok(vec![]) };
    let mut out = Vec::new();
    let c = "memory";
    match v {
        Version::V1 => {
            if let Some(l) = m.limit() {
                out.push(w(
                    c,
                    "memory.limit_in_bytes",
                    limit(l, "linux.resources.memory.limit", v)?,
                    "linux.resources.memory.limit",
                ));
            }
            if let Some(s) = m.swap() {
                let val = limit(s, "linux.resources.memory.swap", v)?;
                if let (Some(l), true) = (m.limit(), s > 0) {
                    if l > s {
                        field_bail!(
                            "linux.resources.memory.swap",
                            "{s} is below memory.limit {l} (on v1 swap is memory+swap)"
                        );
                    }
                }
                out.push(w(c, "memory.memsw.limit_in_bytes", val, "linux.resources.memory.swap"));
            }
            if let Some(rsv) = m.reservation() {
                out.push(w(
                    c,
                    "memory.soft_limit_in_bytes",
                    limit(rsv, "linux.resources.memory.reservation", v)?,
                    "linux.resources.memory.reservation",
                ));
            }
            if let Some(k) = m.kernel_tcp() {
                out.push(w(
                    c,
                    "memory.kmem.tcp.limit_in_bytes",
                    limit(k, "linux.resources.memory.kernelTCP", v)?,
                    "linux.resources.memory.kernelTCP",
                ));
            }
            if let Some(s) = m.swappiness() {
                if s > 100 {
                    field_bail!("linux.resources.memory.swappiness", "{s} is above 100");
                }
                out.push(w(c, "memory.swappiness", s, "linux.resources.memory.swappiness"));
            }
            if m.disable_oom_killer() == Some(true) {
                out.push(w(c, "memory.oom_control", 1, "linux.resources.memory.disableOOMKiller"));
            }
        }
        Version::V2 => {
            if let Some(l) = m.limit() {
                out.push(w(
                    c,
                    "memory.max",
                    limit(l, "linux.resources.memory.limit", v)?,
                    "linux.resources.memory.limit",
                ));
            }
            if let Some(s) = m.swap() {
                // OCI swap is memory+swap; v2 limits swap alone.
                let val = match (s, m.limit()) {
                    (-1, _) => "max".to_string(),
                    (s, Some(l)) if s > 0 && l > 0 => {
                        if s < l {
                            field_bail!("linux.resources.memory.swap", "{s} is below memory.limit {l}");
                        }
                        (s - l).to_string()
                    }
                    (s, _) if s > 0 => field_bail!("linux.resources.memory.swap", "needs memory.limit on cgroup v2"),
                    (s, _) => field_bail!("linux.resources.memory.swap", "{s} is not a limit"),
                };
                out.push(w(c, "memory.swap.max", val, "linux.resources.memory.swap"));
            }
            if let Some(rsv) = m.reservation() {
                out.push(w(
                    c,
                    "memory.low",
                    limit(rsv, "linux.resources.memory.reservation", v)?,
                    "linux.resources.memory.reservation",
                ));
            }
            if m.kernel_tcp().is_some() {
                field_bail!("linux.resources.memory.kernelTCP", "not available on cgroup v2");
            }
            if m.swappiness().is_some_and(|s| s != 60) {
                field_bail!("linux.resources.memory.swappiness", "not available on cgroup v2");
            }
            if m.disable_oom_killer() == Some(true) {
                field_bail!("linux.resources.memory.disableOOMKiller", "not available on cgroup v2");
            }
        }
    }
    if m.kernel().is_some_and(|k| k != 0) {
        // Deprecated by the runtime-spec and gone from the kernel (5.16 on
        // v1); runc and crun ignore it too, so configs from older engines run.
        crate::logging::warn(
            "linux.resources.memory.kernel: kernel memory limits are gone from current kernels; ignored",
        );
    }
    Ok(out)
}

/// runc's mapping of v1 cpu shares [2, 262144] onto v2 weight [1, 10000].
pub fn shares_to_weight(shares: u64) -> u64 {
    1 + (shares.clamp(2, 262_144) - 2) * 9999 / 262_142
}

fn cpu(r: &LinuxResources, v: Version) -> Result<Vec<Write>> {
    let Some(cpu) = r.cpu() else { return Ok(vec![]) };
    let mut out = Vec::new();
    let c = "cpu";
    if let Some(p) = cpu.period() {
        if p == 0 {
            field_bail!("linux.resources.cpu.period", "0 is not a period");
        }
    }
    if let Some(q) = cpu.quota() {
        if q == 0 || q < -1 {
            field_bail!("linux.resources.cpu.quota", "{q} is not a quota (positive, or -1 for none)");
        }
    }
    match v {
        Version::V1 => {
            if let Some(s) = cpu.shares().filter(|s| *s > 0) {
                if s < 2 {
                    field_bail!("linux.resources.cpu.shares", "{s} is below the minimum 2");
                }
                out.push(w(c, "cpu.shares", s, "linux.resources.cpu.shares"));
            }
            if let Some(p) = cpu.period() {
                out.push(w(c, "cpu.cfs_period_us", p, "linux.resources.cpu.period"));
            }
            if let Some(q) = cpu.quota() {
                out.push(w(c, "cpu.cfs_quota_us", q, "linux.resources.cpu.quota"));
            }
            if let Some(b) = cpu.burst() {
                out.push(w(c, "cpu.cfs_burst_us", b, "linux.resources.cpu.burst"));
            }
            if let Some(p) = cpu.realtime_period() {
                out.push(w(c, "cpu.rt_period_us", p, "linux.resources.cpu.realtimePeriod"));
            }
            if let Some(rt) = cpu.realtime_runtime() {
                out.push(w(c, "cpu.rt_runtime_us", rt, "linux.resources.cpu.realtimeRuntime"));
            }
        }
        Version::V2 => {
            if let Some(s) = cpu.shares().filter(|s| *s > 0) {
                out.push(w(c, "cpu.weight", shares_to_weight(s), "linux.resources.cpu.shares"));
            }
            if cpu.quota().is_some() || cpu.period().is_some() {
                let quota = match cpu.quota() {
                    Some(q) if q > 0 => q.to_string(),
                    _ => "max".into(),
                };
                out.push(w(
                    c,
                    "cpu.max",
                    format!("{quota} {}", cpu.period().unwrap_or(100_000)),
                    "linux.resources.cpu.quota",
                ));
            }
            if let Some(b) = cpu.burst() {
                out.push(w(c, "cpu.max.burst", b, "linux.resources.cpu.burst"));
            }
            if cpu.realtime_period().is_some() || cpu.realtime_runtime().is_some() {
                field_bail!("linux.resources.cpu.realtimeRuntime", "not available on cgroup v2");
            }
        }
    }
    if let Some(idle) = cpu.idle() {
        if idle != 0 && idle != 1 {
            field_bail!("linux.resources.cpu.idle", "{idle} is not 0 or 1");
        }
        out.push(w(c, "cpu.idle", idle, "linux.resources.cpu.idle"));
    }
    Ok(out)
}

/// The kernel's list format ("0-3,7", strides "0-7:2"): checked here so a
/// typo is refused before anything is made; the kernel still decides which
/// CPUs and nodes exist.
fn list_syntax(s: &str, field: &str) -> Result<()> {
    if !s.trim().bytes().all(|b| b.is_ascii_digit() || b",-:/".contains(&b)) || s.trim().is_empty() {
        field_bail!(field, "{s:?} is not a list such as \"0-3,7\"");
    }
    Ok(())
}

fn cpuset(r: &LinuxResources) -> Result<Vec<Write>> {
    let Some(cpu) = r.cpu() else { return Ok(vec![]) };
    let mut out = Vec::new();
    // mems before cpus does not matter to the kernel; both need to be non-empty to join.
    if let Some(cpus) = cpu.cpus().as_ref().filter(|s| !s.is_empty()) {
        list_syntax(cpus, "linux.resources.cpu.cpus")?;
        out.push(w("cpuset", "cpuset.cpus", cpus, "linux.resources.cpu.cpus"));
    }
    if let Some(mems) = cpu.mems().as_ref().filter(|s| !s.is_empty()) {
        list_syntax(mems, "linux.resources.cpu.mems")?;
        out.push(w("cpuset", "cpuset.mems", mems, "linux.resources.cpu.mems"));
    }
    Ok(out)
}

fn pids(r: &LinuxResources) -> Result<Vec<Write>> {
    let Some(p) = r.pids() else { return Ok(vec![]) };
    let value = match p.limit() {
        n if n > 0 => n.to_string(),
        // 0 and -1 both mean "no limit" to runc and the engines that send them.
        0 | -1 => "max".into(),
        n => field_bail!("linux.resources.pids.limit", "{n} is not a limit"),
    };
    Ok(vec![w("pids", "pids.max", value, "linux.resources.pids.limit")])
}

/// runc's mapping of blkio weight [10, 1000] onto io.weight [1, 10000].
pub fn blkio_to_io_weight(weight: u16) -> u64 {
    1 + (u64::from(weight.clamp(10, 1000)) - 10) * 9999 / 990
}

fn block_io(r: &LinuxResources, v: Version) -> Result<Vec<Write>> {
    let Some(b) = r.block_io() else { return Ok(vec![]) };
    let mut out = Vec::new();
    // 0 means "not set", as runc reads it (Docker always sends weight 0).
    let (weight, leaf_weight) = (b.weight().filter(|w| *w != 0), b.leaf_weight().filter(|w| *w != 0));
    let check = |w: u16, field: &'static str| -> Result<u16> {
        if !(10..=1000).contains(&w) {
            field_bail!(field, "{w} is outside 10..1000");
        }
        Ok(w)
    };
    let throttles = [
        (
            b.throttle_read_bps_device(),
            "blkio.throttle.read_bps_device",
            "rbps",
            "linux.resources.blockIO.throttleReadBpsDevice",
        ),
        (
            b.throttle_write_bps_device(),
            "blkio.throttle.write_bps_device",
            "wbps",
            "linux.resources.blockIO.throttleWriteBpsDevice",
        ),
        (
            b.throttle_read_iops_device(),
            "blkio.throttle.read_iops_device",
            "riops",
            "linux.resources.blockIO.throttleReadIOPSDevice",
        ),
        (
            b.throttle_write_iops_device(),
            "blkio.throttle.write_iops_device",
            "wiops",
            "linux.resources.blockIO.throttleWriteIOPSDevice",
        ),
    ];
    match v {
        Version::V1 => {
            let c = "blkio";
            if let Some(wt) = weight {
                out.push(w(
                    c,
                    "blkio.weight",
                    check(wt, "linux.resources.blockIO.weight")?,
                    "linux.resources.blockIO.weight",
                ));
            }
            if let Some(lw) = leaf_weight {
                out.push(w(
                    c,
                    "blkio.leaf_weight",
                    check(lw, "linux.resources.blockIO.leafWeight")?,
                    "linux.resources.blockIO.leafWeight",
                ));
            }
            for d in b.weight_device().iter().flatten() {
                if let Some(wt) = d.weight() {
                    out.push(w(
                        c,
                        "blkio.weight_device",
                        format!("{}:{} {wt}", d.major(), d.minor()),
                        "linux.resources.blockIO.weightDevice",
                    ));
                }
                if let Some(lw) = d.leaf_weight() {
                    out.push(w(
                        c,
                        "blkio.leaf_weight_device",
                        format!("{}:{} {lw}", d.major(), d.minor()),
                        "linux.resources.blockIO.weightDevice",
                    ));
                }
            }
            for (list, file, _, field) in throttles {
                for d in list.iter().flatten() {
                    out.push(w(c, file, format!("{}:{} {}", d.major(), d.minor(), d.rate()), field));
                }
            }
        }
        Version::V2 => {
            let c = "io";
            if let Some(wt) = weight {
                let wt = check(wt, "linux.resources.blockIO.weight")?;
                out.push(w(
                    c,
                    "io.weight",
                    format!("default {}", blkio_to_io_weight(wt)),
                    "linux.resources.blockIO.weight",
                ));
            }
            if leaf_weight.is_some() {
                field_bail!("linux.resources.blockIO.leafWeight", "not available on cgroup v2");
            }
            for d in b.weight_device().iter().flatten() {
                if let Some(wt) = d.weight() {
                    let v = blkio_to_io_weight(check(wt, "linux.resources.blockIO.weightDevice")?);
                    out.push(w(
                        c,
                        "io.weight",
                        format!("{}:{} {v}", d.major(), d.minor()),
                        "linux.resources.blockIO.weightDevice",
                    ));
                }
            }
            for (list, _, key, field) in throttles {
                for d in list.iter().flatten() {
                    out.push(w(c, "io.max", format!("{}:{} {key}={}", d.major(), d.minor(), d.rate()), field));
                }
            }
        }
    }
    Ok(out)
}

/// Whether the kernel offers huge pages of `size` ("2MB", "1GB", "64KB"):
/// the hugetlb files exist for exactly those. Unknown when the kernel does
/// not say (no /sys/kernel/mm/hugepages); then the cgroup files decide.
fn host_has_huge_pages(size: &str) -> bool {
    let Ok(entries) = std::fs::read_dir("/sys/kernel/mm/hugepages") else { return true };
    let kb = size
        .strip_suffix("KB")
        .and_then(|n| n.parse::<u64>().ok())
        .or_else(|| size.strip_suffix("MB").and_then(|n| n.parse::<u64>().ok()).map(|n| n * 1024))
        .or_else(|| size.strip_suffix("GB").and_then(|n| n.parse::<u64>().ok()).map(|n| n * 1024 * 1024));
    let Some(kb) = kb else { return false };
    entries.flatten().any(|e| e.file_name() == std::ffi::OsStr::new(&format!("hugepages-{kb}kB")))
}

fn hugetlb(r: &LinuxResources, v: Version) -> Result<Vec<Write>> {
    let mut out = Vec::new();
    for (i, h) in r.hugepage_limits().iter().flatten().enumerate() {
        let size = h.page_size();
        if size.is_empty() || !size.chars().all(|c| c.is_ascii_alphanumeric()) {
            field_bail!(
                format!("linux.resources.hugepageLimits[{i}].pageSize"),
                "{size:?} is not a page size like 2MB"
            );
        }
        if !host_has_huge_pages(size) {
            field_bail!(format!("linux.resources.hugepageLimits[{i}].pageSize"), "this host has no {size} huge pages");
        }
        let file = match v {
            Version::V1 => format!("hugetlb.{size}.limit_in_bytes"),
            Version::V2 => format!("hugetlb.{size}.max"),
        };
        out.push(w(
            "hugetlb",
            file,
            limit(h.limit(), "linux.resources.hugepageLimits.limit", v)?,
            "linux.resources.hugepageLimits",
        ));
    }
    Ok(out)
}

fn network(r: &LinuxResources, v: Version, controller: &str) -> Result<Vec<Write>> {
    let Some(n) = r.network() else { return Ok(vec![]) };
    if v == Version::V2 {
        field_bail!("linux.resources.network", "net_cls/net_prio do not exist on cgroup v2");
    }
    let mut out = Vec::new();
    if controller == "net_cls" {
        if let Some(id) = n.class_id() {
            out.push(w("net_cls", "net_cls.classid", id, "linux.resources.network.classID"));
        }
    } else {
        for p in n.priorities().iter().flatten() {
            out.push(w(
                "net_prio",
                "net_prio.ifpriomap",
                format!("{} {}", p.name(), p.priority()),
                "linux.resources.network.priorities",
            ));
        }
    }
    Ok(out)
}

fn rdma(r: &LinuxResources) -> Result<Vec<Write>> {
    let mut out = Vec::new();
    for (dev, l) in r.rdma().iter().flatten() {
        let mut parts = vec![dev.clone()];
        if let Some(h) = l.hca_handles() {
            parts.push(format!("hca_handle={h}"));
        }
        if let Some(o) = l.hca_objects() {
            parts.push(format!("hca_object={o}"));
        }
        out.push(w("rdma", "rdma.max", parts.join(" "), "linux.resources.rdma"));
    }
    Ok(out)
}

/// The device nodes every container may use (those berth creates in /dev,
/// plus the pty multiplexer and the pts devices): as runc allows by default.
pub fn default_device_rules() -> Vec<String> {
    [
        "c *:* m",
        "b *:* m",
        "c 1:3 rwm",
        "c 1:5 rwm",
        "c 1:7 rwm",
        "c 1:8 rwm",
        "c 1:9 rwm",
        "c 5:0 rwm",
        "c 5:2 rwm",
        "c 136:* rwm",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

/// v1 device rules: deny everything, the config's rules in order (engines
/// send their own "deny all" first), then the defaults last, as runc does, so
/// the nodes berth itself creates in /dev stay usable.
pub fn device_writes(rules: &[LinuxDeviceCgroup]) -> Result<Vec<Write>> {
    let mut out = vec![w("devices", "devices.deny", "a", "linux.resources.devices")];
    for (i, d) in rules.iter().enumerate() {
        let rule = device_rule(d).with_field(|| format!("linux.resources.devices[{i}]"))?;
        let file = if d.allow() { "devices.allow" } else { "devices.deny" };
        out.push(w("devices", file, rule, "linux.resources.devices"));
    }
    for r in default_device_rules() {
        out.push(w("devices", "devices.allow", r, "linux.resources.devices"));
    }
    Ok(out)
}

pub fn device_rule(d: &LinuxDeviceCgroup) -> Result<String> {
    let typ = match d.typ() {
        None | Some(LinuxDeviceType::A) => "a",
        Some(LinuxDeviceType::C) | Some(LinuxDeviceType::U) => "c",
        Some(LinuxDeviceType::B) => "b",
        Some(LinuxDeviceType::P) => return Err("type p (fifo) has no device cgroup rule".into()),
    };
    let num = |n: Option<i64>| match n {
        None | Some(-1) => Ok("*".to_string()),
        Some(n) if n >= 0 => Ok(n.to_string()),
        Some(n) => Err(crate::Error::from(format!("{n} is not a device number"))),
    };
    let access = d.access().clone().unwrap_or_else(|| "rwm".into());
    if access.is_empty() || !access.chars().all(|c| "rwm".contains(c)) {
        return Err(format!("access {access:?} must be made of r, w and m").into());
    }
    if typ == "a" {
        return Ok(format!("a *:* {access}"));
    }
    Ok(format!("{typ} {}:{} {access}", num(d.major())?, num(d.minor())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(json: &str) -> LinuxResources {
        serde_json::from_str(json).unwrap()
    }

    fn files(ws: &[Write]) -> Vec<(String, String)> {
        ws.iter().map(|w| (w.file.clone(), w.value.clone())).collect()
    }

    #[test]
    fn merge_keeps_what_the_update_leaves_out() {
        let base = res(
            r#"{"memory":{"limit":100,"swap":200},"cpu":{"quota":5000,"period":100000},"devices":[{"allow":false,"access":"rwm"}],"unified":{"a.b":"1"}}"#,
        );
        let changes = res(r#"{"memory":{"limit":150},"devices":[],"unified":{"c.d":"2"}}"#);
        let m = merge(&base, &changes).unwrap();
        assert_eq!((m.memory().unwrap().limit(), m.memory().unwrap().swap()), (Some(150), Some(200)));
        assert_eq!(m.cpu().as_ref().unwrap().period(), Some(100000));
        assert_eq!(m.devices().as_ref().unwrap().len(), 0, "a device list replaces the old one");
        assert_eq!(m.unified().as_ref().unwrap().len(), 2);
    }

    #[test]
    fn memory_v1_and_v2() {
        let r = res(r#"{"memory":{"limit":104857600,"swap":209715200,"reservation":52428800}}"#);
        assert_eq!(
            files(&controller_writes(&r, "memory", Version::V1).unwrap()),
            vec![
                ("memory.limit_in_bytes".into(), "104857600".into()),
                ("memory.memsw.limit_in_bytes".into(), "209715200".into()),
                ("memory.soft_limit_in_bytes".into(), "52428800".into())
            ]
        );
        assert_eq!(
            files(&controller_writes(&r, "memory", Version::V2).unwrap()),
            vec![
                ("memory.max".into(), "104857600".into()),
                ("memory.swap.max".into(), "104857600".into()),
                ("memory.low".into(), "52428800".into())
            ]
        );
        let unlimited = res(r#"{"memory":{"limit":-1}}"#);
        assert_eq!(controller_writes(&unlimited, "memory", Version::V2).unwrap()[0].value, "max");
    }

    #[test]
    fn bad_values_name_the_field() {
        for (json, field) in [
            (r#"{"memory":{"limit":0}}"#, "linux.resources.memory.limit"),
            (r#"{"memory":{"limit":-5}}"#, "linux.resources.memory.limit"),
            (r#"{"memory":{"limit":100,"swap":50}}"#, "linux.resources.memory.swap"),
            (r#"{"memory":{"swappiness":101}}"#, "linux.resources.memory.swappiness"),
            (r#"{"cpu":{"quota":0}}"#, "linux.resources.cpu.quota"),
            (r#"{"cpu":{"period":0}}"#, "linux.resources.cpu.period"),
            (r#"{"pids":{"limit":-7}}"#, "linux.resources.pids.limit"),
            (r#"{"blockIO":{"weight":5}}"#, "linux.resources.blockIO.weight"),
        ] {
            let r = res(json);
            let errs: Vec<String> = wanted(&r)
                .iter()
                .filter_map(|(c, _)| controller_writes(&r, c, Version::V1).err())
                .map(|e| e.to_string())
                .collect();
            assert!(errs.iter().any(|e| e.starts_with(field)), "{json}: {errs:?}");
        }
    }

    #[test]
    fn cpu_conversions() {
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(262_144), 10_000);
        assert_eq!(blkio_to_io_weight(10), 1);
        assert_eq!(blkio_to_io_weight(1000), 10_000);
        let r = res(r#"{"cpu":{"shares":1024,"quota":50000,"period":100000,"cpus":"0","mems":"0"}}"#);
        assert_eq!(
            files(&controller_writes(&r, "cpu", Version::V2).unwrap()),
            vec![("cpu.weight".into(), "39".into()), ("cpu.max".into(), "50000 100000".into())]
        );
        assert_eq!(controller_writes(&r, "cpu", Version::V1).unwrap().len(), 3);
        assert_eq!(controller_writes(&r, "cpuset", Version::V1).unwrap().len(), 2);
        let wanted: Vec<_> = wanted(&r).into_iter().map(|(c, _)| c).collect();
        assert_eq!(wanted, vec!["cpu", "cpuset"]);
    }

    #[test]
    fn pids_zero_and_minus_one_mean_no_limit() {
        assert_eq!(pids(&res(r#"{"pids":{"limit":0}}"#)).unwrap()[0].value, "max");
        assert_eq!(pids(&res(r#"{"pids":{"limit":-1}}"#)).unwrap()[0].value, "max");
        assert_eq!(pids(&res(r#"{"pids":{"limit":32}}"#)).unwrap()[0].value, "32");
    }

    #[test]
    fn blkio_weight_zero_means_unset_as_docker_sends_it() {
        let r = res(r#"{"blockIO":{"weight":0}}"#);
        assert!(controller_writes(&r, "blkio", Version::V1).unwrap().is_empty());
        assert!(controller_writes(&r, "io", Version::V2).unwrap().is_empty());
    }

    #[test]
    fn io_v2_throttle_and_weight() {
        let r = res(r#"{"blockIO":{"weight":500,"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1048576}]}}"#);
        assert_eq!(
            files(&controller_writes(&r, "io", Version::V2).unwrap()),
            vec![("io.weight".into(), "default 4950".into()), ("io.max".into(), "8:0 rbps=1048576".into())]
        );
    }

    #[test]
    fn device_rules_deny_first_then_defaults_then_config() {
        let rules: Vec<LinuxDeviceCgroup> = serde_json::from_str(
            r#"[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":10,"minor":229,"access":"rw"},{"allow":true,"type":"b","major":8}]"#,
        )
        .unwrap();
        let ws = device_writes(&rules).unwrap();
        assert_eq!(ws[0].value, "a");
        assert!(ws.iter().any(|w| w.value == "c 1:3 rwm"));
        let head: Vec<_> = ws.iter().skip(1).take(3).map(|w| (w.file.as_str(), w.value.as_str())).collect();
        assert_eq!(
            head,
            vec![("devices.deny", "a *:* rwm"), ("devices.allow", "c 10:229 rw"), ("devices.allow", "b 8:* rwm")]
        );
        assert_eq!(ws.last().unwrap().value, "c 136:* rwm");
        let bad: Vec<LinuxDeviceCgroup> =
            serde_json::from_str(r#"[{"allow":true,"type":"c","access":"rwx"}]"#).unwrap();
        assert!(device_writes(&bad).unwrap_err().to_string().starts_with("linux.resources.devices[0]"));
    }
}
