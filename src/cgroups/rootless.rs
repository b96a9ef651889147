//! Cgroups for a rootless container: only where the user was given some.
//!
//! An unprivileged user may make a cgroup only below a directory that was
//! delegated to it (chowned to it, as systemd does for `user@UID.service`,
//! or as an administrator does by hand). On a host that delegates nothing
//! (cgroup v1 here) the container gets no cgroup at all, as with runc and
//! crun: it still runs, in its caller's cgroups.
//!
//! What `linux.resources` asks for where no cgroup can hold it: the memory
//! and pids limits are refused, since a container must not run unbounded
//! when its config says otherwise, and nobody would notice; every other
//! setting (CPU shares, block I/O, ...) is a warning naming it, and dropped.
//! Device rules are never written: that takes privileges a user lacks.
//! runc refuses every limit it cannot set; crun drops them all in silence.

use super::resources::wanted;
use super::{Hierarchy, Layout};
use crate::error::Result;
use oci_spec::runtime::{LinuxCpu, LinuxResources};
use std::path::Path;

/// The hierarchies where we may make the cgroup `rel`: those whose nearest
/// existing ancestor of it we can write. The others are left out, with a
/// debug line each.
pub fn delegated(layout: &Layout, rel: &Path) -> Layout {
    let hierarchies = layout
        .hierarchies
        .iter()
        .filter(|h| {
            let ok = writable_ancestor(h, rel).is_some();
            if !ok {
                crate::logging::debug(&format!(
                    "rootless: no delegated cgroup in {}: not creating {}",
                    h.mount_point.display(),
                    rel.display()
                ));
            }
            ok
        })
        .cloned()
        .collect();
    Layout { kind: layout.kind, hierarchies }
}

/// The deepest existing directory on the way to `rel`, if we may write it.
fn writable_ancestor(h: &Hierarchy, rel: &Path) -> Option<std::path::PathBuf> {
    let mut dir = h.mount_point.join(rel);
    while !dir.is_dir() {
        if !dir.pop() || !dir.starts_with(&h.mount_point) {
            return None;
        }
    }
    nix::unistd::access(&dir, nix::unistd::AccessFlags::W_OK).ok().map(|()| dir)
}

/// Whether `layout` has somewhere to put `controller` for the cgroup `rel`.
fn can_hold(layout: &Layout, rel: &Path, controller: &str) -> bool {
    let v2_name = if controller == "blkio" { "io" } else { controller };
    layout.hierarchies.iter().any(|h| {
        if !h.v2 {
            return h.controllers.iter().any(|c| c == controller);
        }
        // What the delegated parent's parent passed down to it.
        writable_ancestor(h, rel).is_some_and(|dir| {
            std::fs::read_to_string(dir.join("cgroup.controllers"))
                .is_ok_and(|s| s.split_whitespace().any(|c| c == v2_name))
        })
    })
}

/// Takes out of `r` what `layout` cannot hold for the cgroup `rel`: an
/// error for the memory and pids limits, a warning for everything else.
pub fn settable(layout: &Layout, rel: &Path, r: &mut LinuxResources) -> Result<()> {
    for (controller, field) in wanted(r) {
        if can_hold(layout, rel, controller) {
            continue;
        }
        if matches!(controller, "memory" | "pids") {
            return Err(crate::Error::field(
                field,
                format!(
                    "cannot be set: running rootless, with no cgroup delegated to uid {} that has the {controller} \
                     controller (remove the limit, or delegate a cgroup to this user)",
                    nix::unistd::geteuid()
                ),
            ));
        }
        crate::logging::warn(&format!(
            "{field}: ignored: running rootless, with no cgroup delegated to uid {} that has the {controller} controller",
            nix::unistd::geteuid()
        ));
        drop_controller(r, controller);
    }
    if r.unified().as_ref().is_some_and(|u| !u.is_empty()) && !layout.hierarchies.iter().any(|h| h.v2) {
        crate::logging::warn("linux.resources.unified: ignored: running rootless, with no delegated cgroup v2");
        r.set_unified(None);
    }
    if r.devices().as_ref().is_some_and(|d| !d.is_empty()) {
        // Loading a device filter (v2) or writing device rules (v1) takes
        // privileges a user lacks. Without CAP_MKNOD outside its user
        // namespace the container reaches only the nodes it was given.
        crate::logging::debug("rootless: device rules are not enforced by a cgroup");
        r.set_devices(None);
    }
    Ok(())
}

fn drop_controller(r: &mut LinuxResources, controller: &str) {
    match controller {
        "cpu" => {
            let mut cpu = LinuxCpu::default();
            if let Some(old) = r.cpu() {
                cpu.set_cpus(old.cpus().clone());
                cpu.set_mems(old.mems().clone());
            }
            r.set_cpu(Some(cpu));
        }
        "cpuset" => {
            if let Some(mut cpu) = r.cpu().clone() {
                cpu.set_cpus(None);
                cpu.set_mems(None);
                r.set_cpu(Some(cpu));
            }
        }
        "blkio" => {
            r.set_block_io(None);
        }
        "hugetlb" => {
            r.set_hugepage_limits(None);
        }
        "net_cls" | "net_prio" => {
            r.set_network(None);
        }
        "rdma" => {
            r.set_rdma(None);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout { kind: super::super::Kind::Legacy, hierarchies: vec![] }
    }

    #[test]
    fn without_a_cgroup_memory_and_pids_limits_are_refused() {
        let mut r: LinuxResources = serde_json::from_str(r#"{"memory":{"limit":1048576}}"#).unwrap();
        let e = settable(&layout(), Path::new("c"), &mut r).unwrap_err();
        assert_eq!(e.config_field(), Some("linux.resources.memory"));
        let mut r: LinuxResources = serde_json::from_str(r#"{"pids":{"limit":5}}"#).unwrap();
        assert!(settable(&layout(), Path::new("c"), &mut r).is_err());
    }

    #[test]
    fn without_a_cgroup_other_settings_are_dropped() {
        let mut r: LinuxResources = serde_json::from_str(
            r#"{"cpu":{"shares":512,"cpus":"0"},"blockIO":{"weight":100},"devices":[{"allow":false,"access":"rwm"}]}"#,
        )
        .unwrap();
        settable(&layout(), Path::new("c"), &mut r).unwrap();
        assert!(wanted(&r).is_empty(), "{:?}", wanted(&r));
        assert!(r.devices().is_none());
    }
}
