//! The process `exec` runs: a whole OCI process from `--process`, or the
//! container's own process from config.json changed by runc's flags. Either
//! way it is clamped to what the container itself may do: it never holds a
//! capability outside the container's bounding set, never fills the
//! inheritable set from `--cap` (CVE-2022-29162), and keeps no_new_privs when
//! the container has it.

use super::Error;
use crate::error::{About, Result, SysResult};
use oci_spec::runtime::{Capabilities, Capability, Process, Spec};
use std::path::{Path, PathBuf};

/// What the caller says of the process: a whole one from a file
/// (`--process`), or runc's flags changing the container's own.
#[derive(Debug, Default)]
pub struct ProcessFlags {
    /// A JSON file holding the whole OCI process to run.
    pub file: Option<PathBuf>,
    /// Allocate a pseudo-terminal.
    pub tty: bool,
    /// Working directory inside the container.
    pub cwd: Option<PathBuf>,
    /// Set an environment variable (NAME=value); may repeat.
    pub env: Vec<String>,
    /// uid[:gid] to run as.
    pub user: Option<String>,
    /// Additional group ids; may repeat.
    pub additional_gids: Vec<String>,
    /// Add a capability (CAP_NET_ADMIN or NET_ADMIN); may repeat.
    pub caps: Vec<String>,
    /// Set no_new_privs for the process.
    pub no_new_privs: bool,
    /// AppArmor profile for the process.
    pub apparmor: Option<String>,
    /// SELinux label for the process.
    pub process_label: Option<String>,
    /// The command and its arguments, as bytes (ignored with a file).
    pub command: Vec<std::ffi::OsString>,
}

pub fn build(config: &Spec, a: &ProcessFlags) -> Result<Process> {
    let base = config
        .process()
        .clone()
        .ok_or_else(|| crate::Error::path("config.json", crate::Error::field("process", "missing")))?;
    let mut p = match &a.file {
        Some(path) => from_file(path)?,
        None => from_flags(base.clone(), a)?,
    };
    keep_container_limits(&base, &mut p)?;
    Ok(p)
}

/// The command line's program and arguments exactly as given, for execve:
/// the kernel takes bytes, and they need not be UTF-8. None with --process.
pub fn command_bytes(a: &ProcessFlags) -> Option<Vec<std::ffi::CString>> {
    use std::os::unix::ffi::OsStrExt;
    if a.file.is_some() {
        return None;
    }
    // An argv string cannot hold a NUL, so CString::new cannot fail here.
    a.command.iter().map(|c| std::ffi::CString::new(c.as_bytes()).ok()).collect()
}

fn from_file(path: &Path) -> Result<Process> {
    let text = std::fs::read(path).sys_at("read", path).flag("--process")?;
    let wire = super::json_path::from_slice::<super::wire::ProcessWire>(&text)
        .map_err(|e| e.into_error(Some("process")))
        .at_path(path)
        .flag("--process")?;
    let mut warnings = Vec::new();
    let mut process = wire.into_process("process.", &mut warnings);
    if process.cwd().as_os_str().is_empty() {
        process.set_cwd("/".into());
    }
    for w in warnings {
        crate::logging::warn(&format!("--process {}: {w}", crate::error::shown(path)));
    }
    Ok(process)
}

fn from_flags(mut p: Process, a: &ProcessFlags) -> Result<Process> {
    if a.command.is_empty() {
        return Err(Error::NoCommand.into());
    }
    // The process records the command as text; the bytes themselves go to
    // execve (`command_bytes`).
    p.set_args(Some(a.command.iter().map(|c| c.to_string_lossy().into_owned()).collect()));
    p.set_terminal(Some(a.tty));
    if let Some(cwd) = &a.cwd {
        p.set_cwd(cwd.clone());
    }
    if !a.env.is_empty() {
        p.set_env(Some(merge_env(p.env().clone().unwrap_or_default(), &a.env)?));
    }
    if let Some(user) = &a.user {
        let (uid, gid) = parse_user(user)?;
        p.user_mut().set_uid(uid);
        if let Some(gid) = gid {
            p.user_mut().set_gid(gid);
        }
    }
    if !a.additional_gids.is_empty() {
        let mut gids = p.user().additional_gids().clone().unwrap_or_default();
        for g in &a.additional_gids {
            gids.push(
                g.parse()
                    .map_err(|_| crate::Error::flag("--additional-gids", format!("{g:?} is not a numeric group id")))?,
            );
        }
        p.user_mut().set_additional_gids(Some(gids));
    }
    if !a.caps.is_empty() {
        add_caps(&mut p, &a.caps)?;
    }
    if a.no_new_privs {
        p.set_no_new_privileges(Some(true));
    }
    if let Some(profile) = &a.apparmor {
        p.set_apparmor_profile(Some(profile.clone()));
    }
    if let Some(label) = &a.process_label {
        p.set_selinux_label(Some(label.clone()));
    }
    Ok(p)
}

/// `--env NAME=value` replaces a variable of the same name, else appends.
fn merge_env(mut env: Vec<String>, add: &[String]) -> Result<Vec<String>> {
    for kv in add {
        let Some((name, _)) = kv.split_once('=').filter(|(n, _)| !n.is_empty()) else {
            return Err(crate::Error::flag("--env", format!("{kv:?} is not NAME=value")));
        };
        let prefix = format!("{name}=");
        match env.iter_mut().find(|e| e.starts_with(&prefix)) {
            Some(slot) => *slot = kv.clone(),
            None => env.push(kv.clone()),
        }
    }
    Ok(env)
}

fn parse_user(s: &str) -> Result<(u32, Option<u32>)> {
    let bad = || crate::Error::flag("--user", format!("{s:?} is not uid[:gid] (numeric ids)"));
    let (uid, gid) = match s.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (s, None),
    };
    let uid = uid.parse().map_err(|_| bad())?;
    let gid = gid.map(|g| g.parse().map_err(|_| bad())).transpose()?;
    Ok((uid, gid))
}

pub fn parse_cap(name: &str) -> Result<Capability> {
    let upper = name.to_ascii_uppercase();
    let full = if upper.starts_with("CAP_") { upper } else { format!("CAP_{upper}") };
    serde_json::from_value(serde_json::Value::String(full))
        .map_err(|_| crate::Error::flag("--cap", format!("{name:?} is not a capability")))
}

/// `--cap` adds to the bounding, effective and permitted sets only: never to
/// the inheritable set, and so never to the ambient set either.
fn add_caps(p: &mut Process, names: &[String]) -> Result<()> {
    let mut caps = p.capabilities().clone().unwrap_or_default();
    for name in names {
        let cap = parse_cap(name)?;
        let add = |s: &Option<Capabilities>| {
            let mut s = s.clone().unwrap_or_default();
            s.insert(cap);
            Some(s)
        };
        caps.set_bounding(add(caps.bounding()));
        caps.set_effective(add(caps.effective()));
        caps.set_permitted(add(caps.permitted()));
    }
    p.set_capabilities(Some(caps));
    Ok(())
}

/// What the container lacks, the exec'd process does not get.
fn keep_container_limits(container: &Process, p: &mut Process) -> Result<()> {
    if container.no_new_privileges().unwrap_or(false) {
        p.set_no_new_privileges(Some(true));
    }
    let allowed = container.capabilities().as_ref().and_then(|c| c.bounding().clone()).unwrap_or_default();
    let Some(caps) = p.capabilities() else { return Ok(()) };
    let sets: [(&str, &Option<Capabilities>); 5] = [
        ("bounding", caps.bounding()),
        ("effective", caps.effective()),
        ("permitted", caps.permitted()),
        ("inheritable", caps.inheritable()),
        ("ambient", caps.ambient()),
    ];
    for (name, set) in sets {
        let mut outside: Vec<String> =
            set.iter().flatten().filter(|c| !allowed.contains(c)).map(|c| format!("CAP_{c}")).collect();
        if !outside.is_empty() {
            outside.sort();
            let why = format!(
                "{} not in the container's bounding set (exec never gains what the container lacks)",
                outside.join(", ")
            );
            return Err(crate::Error::field(format!("process.capabilities.{name}"), why));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(caps: &[&str], nnp: bool) -> Spec {
        let caps: Vec<String> = caps.iter().map(|c| format!("\"CAP_{c}\"")).collect();
        let caps = caps.join(",");
        let text = format!(
            r#"{{"ociVersion":"1.2.0","root":{{"path":"rootfs"}},"process":{{"args":["sh"],"cwd":"/",
            "env":["PATH=/bin","A=1"],"user":{{"uid":0,"gid":0}},"noNewPrivileges":{nnp},
            "capabilities":{{"bounding":[{caps}],"effective":[{caps}],"permitted":[{caps}]}}}}}}"#
        );
        serde_json::from_str(&text).unwrap()
    }

    fn args(command: &[&str]) -> ProcessFlags {
        ProcessFlags { command: command.iter().map(std::ffi::OsString::from).collect(), ..Default::default() }
    }

    #[test]
    fn flags_change_the_containers_process() {
        let mut a = args(&["ls", "-l"]);
        a.env = vec!["A=2".into(), "B=3".into()];
        a.user = Some("1000:100".into());
        a.additional_gids = vec!["5".into()];
        a.cwd = Some("/tmp".into());
        a.tty = true;
        let p = build(&config(&["CHOWN"], false), &a).unwrap();
        assert_eq!(p.args().as_ref().unwrap(), &["ls", "-l"]);
        assert_eq!(p.env().as_ref().unwrap(), &["PATH=/bin", "A=2", "B=3"]);
        assert_eq!((p.user().uid(), p.user().gid()), (1000, 100));
        assert_eq!(p.user().additional_gids().as_ref().unwrap(), &[5]);
        assert_eq!(p.cwd(), Path::new("/tmp"));
        assert_eq!(p.terminal(), Some(true));
    }

    #[test]
    fn cap_adds_to_three_sets_never_inheritable() {
        let mut a = args(&["sh"]);
        a.caps = vec!["NET_ADMIN".into(), "cap_chown".into()];
        let p = build(&config(&["CHOWN", "NET_ADMIN"], false), &a).unwrap();
        let c = p.capabilities().as_ref().unwrap();
        for set in [c.bounding(), c.effective(), c.permitted()] {
            assert!(set.as_ref().unwrap().contains(&Capability::NetAdmin));
        }
        assert!(c.inheritable().as_ref().is_none_or(|s| s.is_empty()));
        assert!(c.ambient().as_ref().is_none_or(|s| s.is_empty()));
    }

    #[test]
    fn never_gains_what_the_container_lacks() {
        let mut a = args(&["sh"]);
        a.caps = vec!["SYS_ADMIN".into()];
        let e = build(&config(&["CHOWN"], false), &a).unwrap_err().to_string();
        assert!(e.contains("process.capabilities.bounding: CAP_SYS_ADMIN"), "{e}");
        let p = build(&config(&[], true), &args(&["sh"])).unwrap();
        assert_eq!(p.no_new_privileges(), Some(true));
    }

    #[test]
    fn bad_flags_name_themselves() {
        let mut a = args(&["sh"]);
        a.user = Some("root".into());
        assert!(build(&config(&[], false), &a).unwrap_err().to_string().starts_with("--user:"));
        let mut a = args(&["sh"]);
        a.env = vec!["=x".into()];
        assert!(build(&config(&[], false), &a).unwrap_err().to_string().starts_with("--env:"));
        let mut a = args(&["sh"]);
        a.caps = vec!["FLY".into()];
        assert!(build(&config(&[], false), &a).unwrap_err().to_string().starts_with("--cap:"));
        assert!(build(&config(&[], false), &args(&[])).unwrap_err().to_string().contains("no command"));
    }
}
