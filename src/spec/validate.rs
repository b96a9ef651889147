//! Checks on a parsed config that need no side effects. Each error names the
//! field and the value, because that is what a user has to go and fix.

use super::Error;
use crate::error::{shown, About, Result, SysResult};
use oci_spec::runtime::{LinuxNamespaceType, Process, Spec};
use std::collections::HashSet;
use std::path::Path;

pub fn validate(spec: &Spec, bundle: &Path) -> Result<()> {
    version(spec)?;
    root(spec, bundle)?;
    process(spec)?;
    namespaces(spec)?;
    security_labels(spec)?;
    linux_misc(spec)?;
    Ok(())
}

fn version(spec: &Spec) -> Result<()> {
    let v = spec.version();
    if v.is_empty() {
        return Err(crate::Error::field(
            "ociVersion",
            "missing (the config must say which runtime-spec version it follows)",
        ));
    }
    if !v.starts_with("1.") {
        return Err(crate::Error::field("ociVersion", format!("{v:?} is not supported (need 1.x)")));
    }
    Ok(())
}

fn root(spec: &Spec, bundle: &Path) -> Result<()> {
    let Some(root) = spec.root() else { return Err(crate::Error::field("root", "missing")) };
    let path = bundle.join(root.path());
    if std::fs::metadata(&path).sys_at("stat", &path).field("root.path")?.is_dir() {
        Ok(())
    } else {
        Err(crate::Error::field("root.path", format!("{} is not a directory", shown(&path))))
    }
}

fn process(spec: &Spec) -> Result<()> {
    let Some(p) = spec.process() else { return Err(crate::Error::field("process", "missing")) };
    process_fields(p)
}

/// The checks on a process alone; `exec` runs them on the process it starts.
pub fn process_fields(p: &Process) -> Result<()> {
    let args = p.args().as_deref().unwrap_or_default();
    if args.is_empty() || args[0].is_empty() {
        return Err(crate::Error::field("process.args", "must name a program to run"));
    }
    if !p.cwd().is_absolute() {
        return Err(crate::Error::field("process.cwd", format!("{:?} must be an absolute path", p.cwd())));
    }
    for (i, e) in p.env().as_deref().unwrap_or_default().iter().enumerate() {
        if !e.contains('=') || e.starts_with('=') || e.contains('\0') {
            return Err(crate::Error::field(format!("process.env[{i}]"), format!("{e:?} is not NAME=value")));
        }
    }
    let mut seen = HashSet::new();
    for (i, r) in p.rlimits().as_deref().unwrap_or_default().iter().enumerate() {
        if !seen.insert(format!("{:?}", r.typ())) {
            let name = crate::security::process_attrs::rlimit_name(r.typ());
            return Err(crate::Error::field(format!("process.rlimits[{i}].type"), format!("{name} appears twice")));
        }
        if r.soft() > r.hard() {
            let why = format!("soft limit {} is above hard limit {}", r.soft(), r.hard());
            return Err(crate::Error::field(format!("process.rlimits[{i}]"), why));
        }
    }
    if let Some(adj) = p.oom_score_adj() {
        if !(-1000..=1000).contains(&adj) {
            return Err(crate::Error::field("process.oomScoreAdj", format!("{adj} is outside -1000..1000")));
        }
    }
    if let Some(umask) = p.user().umask() {
        if umask > 0o777 {
            return Err(crate::Error::field("process.user.umask", format!("{umask:#o} is not a permission mask")));
        }
    }
    Ok(())
}

fn namespaces(spec: &Spec) -> Result<()> {
    let linux = spec.linux().as_ref();
    let namespaces = linux.and_then(|l| l.namespaces().as_deref()).unwrap_or_default();
    let mut seen = HashSet::new();
    for (i, ns) in namespaces.iter().enumerate() {
        if !seen.insert(ns.typ()) {
            let why = format!("namespace {:?} appears twice", ns_name(ns.typ()));
            return Err(crate::Error::field(format!("linux.namespaces[{i}].type"), why));
        }
        if let Some(p) = ns.path() {
            if !p.is_absolute() {
                return Err(crate::Error::field(
                    format!("linux.namespaces[{i}].path"),
                    format!("{} must be absolute", shown(p)),
                ));
            }
        }
    }
    let has = |t: LinuxNamespaceType| namespaces.iter().any(|n| n.typ() == t);
    let new = |t: LinuxNamespaceType| namespaces.iter().any(|n| n.typ() == t && n.path().is_none());
    let maps = linux.is_some_and(|l| l.uid_mappings().as_ref().is_some_and(|m| !m.is_empty()));
    let gmaps = linux.is_some_and(|l| l.gid_mappings().as_ref().is_some_and(|m| !m.is_empty()));
    if new(LinuxNamespaceType::User) && (!maps || !gmaps) {
        return Err(crate::Error::field("linux.uidMappings/gidMappings", "a new user namespace needs both mappings"));
    }
    if (maps || gmaps) && !new(LinuxNamespaceType::User) {
        return Err(crate::Error::field("linux.uidMappings", "mappings given without a new user namespace"));
    }
    // A joined uts namespace is the container's own too: the name is set there.
    if let Some(h) = spec.hostname().as_ref().filter(|h| !h.is_empty()) {
        if !has(LinuxNamespaceType::Uts) {
            return Err(crate::Error::field("hostname", format!("{h:?} needs a uts namespace of the container's own")));
        }
    }
    if let Some(d) = spec.domainname().as_ref().filter(|h| !h.is_empty()) {
        if !has(LinuxNamespaceType::Uts) {
            return Err(crate::Error::field(
                "domainname",
                format!("{d:?} needs a uts namespace of the container's own"),
            ));
        }
    }
    if linux.is_some_and(|l| l.time_offsets().is_some()) && !new(LinuxNamespaceType::Time) {
        return Err(crate::Error::field("linux.timeOffsets", "offsets need a new time namespace"));
    }
    if !has(LinuxNamespaceType::Mount) {
        let masks = linux.is_some_and(|l| {
            l.masked_paths().as_ref().is_some_and(|m| !m.is_empty())
                || l.readonly_paths().as_ref().is_some_and(|m| !m.is_empty())
        });
        if masks {
            let why = "need a mount namespace (they would change the host)";
            return Err(crate::Error::field("linux.maskedPaths/readonlyPaths", why));
        }
    }
    Ok(())
}

/// Labels for a security module the host does not run are warned about and
/// ignored, as crun does: engines send them from configs written for other
/// hosts. Where the module runs, berth cannot apply them yet, so they are
/// refused rather than dropped.
fn security_labels(spec: &Spec) -> Result<()> {
    if let Some(p) = spec.process() {
        process_labels(p)?;
    }
    let mount_label = spec.linux().as_ref().and_then(|l| l.mount_label().clone());
    selinux_label("linux.mountLabel", mount_label)
}

pub fn process_labels(p: &Process) -> Result<()> {
    if let Some(profile) = p.apparmor_profile().clone().filter(|s| !s.is_empty()) {
        let on = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled").is_ok_and(|s| s.trim() == "Y");
        if on {
            let why = format!("{profile:?}: AppArmor profiles are not supported yet");
            return Err(crate::Error::field("process.apparmorProfile", why));
        }
        crate::logging::warn(&format!(
            "process.apparmorProfile: {profile:?} ignored: AppArmor is not enabled on this host"
        ));
    }
    selinux_label("process.selinuxLabel", p.selinux_label().clone())
}

fn selinux_label(field: &str, label: Option<String>) -> Result<()> {
    let Some(label) = label.filter(|s| !s.is_empty()) else { return Ok(()) };
    if std::path::Path::new("/sys/fs/selinux/enforce").exists() {
        return Err(crate::Error::field(field, format!("{label:?}: SELinux labels are not supported yet")));
    }
    crate::logging::warn(&format!("{field}: {label:?} ignored: SELinux is not enabled on this host"));
    Ok(())
}

fn linux_misc(spec: &Spec) -> Result<()> {
    let Some(linux) = spec.linux() else { return Ok(()) };
    let ns = linux.namespaces().as_deref().unwrap_or_default();
    let new = |t: LinuxNamespaceType| ns.iter().any(|n| n.typ() == t);
    if let Some(sysctl) = linux.sysctl() {
        for key in sysctl.keys() {
            sysctl_allowed(
                key,
                new(LinuxNamespaceType::Network),
                new(LinuxNamespaceType::Ipc),
                new(LinuxNamespaceType::Uts),
            )
            .map_err(|why| crate::Error::field("linux.sysctl", format!("{key:?} {why}")))?;
        }
    }
    for (i, dev) in linux.devices().as_deref().unwrap_or_default().iter().enumerate() {
        if !dev.path().is_absolute() || dev.path().components().any(|c| c == std::path::Component::ParentDir) {
            let why = format!("{} must be an absolute path without ..", shown(dev.path()));
            return Err(crate::Error::field(format!("linux.devices[{i}].path"), why));
        }
    }
    if linux.intel_rdt().is_some() {
        return Err(crate::Error::field("linux.intelRdt", "Intel RDT is not supported (no resctrl support in berth)"));
    }
    if linux.net_devices().as_ref().is_some_and(|d| !d.is_empty()) {
        let why = "moving network devices into the container is not supported yet";
        return Err(crate::Error::field("linux.netDevices", why));
    }
    if let Some(p) = linux.rootfs_propagation() {
        if crate::rootfs::options::propagation_option(p).is_none() {
            return Err(crate::Error::field("linux.rootfsPropagation", format!("unknown propagation {p:?}")));
        }
    }
    Ok(())
}

/// Which sysctls a container may set: only those namespaced by a namespace it owns.
fn sysctl_allowed(key: &str, netns: bool, ipcns: bool, utsns: bool) -> std::result::Result<(), &'static str> {
    const IPC: &[&str] = &[
        "kernel.msgmax",
        "kernel.msgmnb",
        "kernel.msgmni",
        "kernel.sem",
        "kernel.shmall",
        "kernel.shmmax",
        "kernel.shmmni",
        "kernel.shm_rmid_forced",
    ];
    if IPC.contains(&key) || key.starts_with("fs.mqueue.") {
        return if ipcns { Ok(()) } else { Err("needs a new ipc namespace") };
    }
    if key.starts_with("net.") {
        return if netns { Ok(()) } else { Err("needs a new network namespace") };
    }
    if key == "kernel.hostname" || key == "kernel.domainname" {
        return if utsns { Ok(()) } else { Err("needs a new uts namespace") };
    }
    Err("is not namespaced, so a container may not set it")
}

pub fn ns_name(t: LinuxNamespaceType) -> &'static str {
    super::ns_kind::of(t).spec_name
}

/// Container ids become directory names: allow only what cannot traverse.
pub fn container_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id != "."
        && id != ".."
        && id.len() <= 1024
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+.-".contains(&b));
    if !ok {
        return Err(Error::BadId { id: id.to_string() }.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for good in ["a", "web-1", "x_y.z+1", "A9"] {
            container_id(good).unwrap();
        }
        for bad in ["", ".", "..", "a/b", "a b", "ä", "../x"] {
            let e = container_id(bad).unwrap_err();
            assert!(matches!(&e, crate::Error::Spec(Error::BadId { id }) if id == bad), "{e:?}");
            assert!(e.to_string().starts_with(&format!("container id {bad:?}: ")), "{e}");
        }
    }

    #[test]
    fn sysctls() {
        assert!(sysctl_allowed("net.ipv4.ip_forward", true, false, false).is_ok());
        assert!(sysctl_allowed("net.ipv4.ip_forward", false, true, true).is_err());
        assert!(sysctl_allowed("kernel.shmmax", false, true, false).is_ok());
        assert!(sysctl_allowed("fs.mqueue.msg_max", false, true, false).is_ok());
        assert!(sysctl_allowed("vm.swappiness", true, true, true).is_err());
    }
}
