//! Capabilities: the config's five sets compiled to masks in the parent, then
//! applied by the handoff (process/handoff.rs): the bounding set first, while
//! CAP_SETPCAP is still held; the inheritable set and the ambient raises
//! while everything is still permitted; effective/permitted/inheritable in
//! one capset last.
//!
//! As runc does, a capability the process cannot have is a warning that names
//! it, never a failed container: engines built for newer kernels send
//! capabilities older kernels lack (moby#41563). Unknown names are dropped
//! where the config is read (spec/wire.rs); here go the ones this kernel or
//! this caller cannot grant.

use crate::error::{About, OsError, Result, SysError, SysResult};
use oci_spec::runtime::{Capabilities, Capability, LinuxCapabilities};
use std::str::FromStr;

/// The kernel's number for an OCI capability name (`CAP_` and all).
pub fn number_of(name: &str) -> Option<u8> {
    caps::Capability::from_str(name).ok().map(|c| c.index())
}

/// The kernel's number for a capability oci-spec knows.
pub fn number(c: &Capability) -> Option<u8> {
    number_of(&format!("CAP_{c}"))
}

/// The name of capability number `n`, for messages.
pub fn name(n: u8) -> String {
    caps::all().into_iter().find(|c| c.index() == n).map_or_else(|| format!("capability {n}"), |c| c.to_string())
}

fn names(mask: u64) -> String {
    (0..64u8).filter(|n| mask & (1 << n) != 0).map(name).collect::<Vec<_>>().join(", ")
}

fn mask(set: &Option<Capabilities>) -> u64 {
    set.iter().flatten().filter_map(number).fold(0, |m, n| m | 1u64 << n)
}

/// Caps as bitmasks, computed in the parent so the child cannot fail on names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CapMasks {
    pub bounding: u64,
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
    pub ambient: u64,
}

/// The five sets as masks, limited to what the process can hold: `grantable`
/// is every capability the kernel has, less (without a new user namespace,
/// whose process starts with all of them) what berth itself does not hold.
/// Returns the masks and one warning per set that lost something. An absent
/// `process.capabilities` means no capabilities at all.
pub fn masks(caps: Option<&LinuxCapabilities>, grantable: u64) -> (CapMasks, Vec<String>) {
    let Some(c) = caps else { return (CapMasks::default(), Vec::new()) };
    let mut warnings = Vec::new();
    let mut limit = |set: &str, m: u64| {
        let lost = m & !grantable;
        if lost != 0 {
            warnings.push(format!("process.capabilities.{set}: {} not available to berth here; ignored", names(lost)));
        }
        m & grantable
    };
    let mut m = CapMasks {
        bounding: limit("bounding", mask(c.bounding())),
        effective: limit("effective", mask(c.effective())),
        permitted: limit("permitted", mask(c.permitted())),
        inheritable: limit("inheritable", mask(c.inheritable())),
        ambient: limit("ambient", mask(c.ambient())),
    };
    // The kernel refuses an inheritable capability outside the bounding set,
    // and an ambient one not both permitted and inheritable.
    let outside = m.inheritable & !m.bounding;
    if outside != 0 {
        warnings.push(format!("process.capabilities.inheritable: {} not in the bounding set; ignored", names(outside)));
        m.inheritable &= m.bounding;
    }
    let unraisable = m.ambient & !(m.permitted & m.inheritable);
    if unraisable != 0 {
        warnings.push(format!(
            "process.capabilities.ambient: {} not both permitted and inheritable; not raised",
            names(unraisable)
        ));
        m.ambient &= m.permitted & m.inheritable;
    }
    (m, warnings)
}

/// Every capability this kernel has (0..=cap_last_cap).
pub fn kernel_caps() -> u64 {
    let last: u32 =
        std::fs::read_to_string("/proc/sys/kernel/cap_last_cap").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(40);
    if last >= 63 {
        u64::MAX
    } else {
        (1u64 << (last + 1)) - 1
    }
}

/// What berth may hand on without a new user namespace: the kernel's
/// capabilities that are in both our permitted and our bounding set.
pub fn held_by_us() -> u64 {
    let permitted = crate::sys::capget().map(|(_, p, _)| p).unwrap_or(0);
    let bounding = (0..64u8)
        // SAFETY: prctl with integer arguments; it only reads our bounding set.
        .filter(|n| unsafe { libc::prctl(libc::PR_CAPBSET_READ, libc::c_ulong::from(*n), 0, 0, 0) } == 1)
        .fold(0u64, |m, n| m | 1 << n);
    kernel_caps() & permitted & bounding
}

/// Drops every capability not in `keep` from the bounding set.
pub fn drop_bounding(keep: u64) -> Result<()> {
    let all = kernel_caps();
    for cap in (0..64u8).filter(|n| all & (1 << n) != 0 && keep & (1 << n) == 0) {
        // SAFETY: prctl with integer arguments.
        if unsafe { libc::prctl(libc::PR_CAPBSET_DROP, libc::c_ulong::from(cap), 0, 0, 0) } != 0 {
            let e = OsError::last();
            if e.errno() != Some(libc::EINVAL) {
                let failed = SysError::new(format!("drop {}", name(cap)), None, e);
                return Err(crate::Error::field("process.capabilities.bounding", failed));
            }
        }
    }
    Ok(())
}

/// Sets the inheritable set and raises the ambient one, keeping effective and
/// permitted as they are (all we hold): a raise needs the capability in
/// both permitted and inheritable.
pub fn raise_ambient(inheritable: u64, ambient: u64) -> Result<()> {
    let (effective, permitted, _) = crate::sys::capget().sys("capget")?;
    crate::sys::capset(effective, permitted, inheritable).sys("capset").field("process.capabilities.inheritable")?;
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong, 0, 0, 0) };
    for cap in (0..64u8).filter(|n| ambient & (1 << n) != 0) {
        // SAFETY: prctl with integer arguments.
        let r = unsafe {
            libc::prctl(
                libc::PR_CAP_AMBIENT,
                libc::PR_CAP_AMBIENT_RAISE as libc::c_ulong,
                libc::c_ulong::from(cap),
                0,
                0,
            )
        };
        if r != 0 {
            let failed = SysError::new(format!("raise {}", name(cap)), None, OsError::last());
            return Err(crate::Error::field("process.capabilities.ambient", failed));
        }
    }
    Ok(())
}

/// The final effective, permitted and inheritable sets, in one capset. The
/// ambient set, within permitted and inheritable, survives it.
pub fn set_sets(m: &CapMasks) -> Result<()> {
    crate::sys::capset(m.effective, m.permitted, m.inheritable).sys("capset").field("process.capabilities")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_the_kernel() {
        assert_eq!(number(&Capability::Chown), Some(0));
        assert_eq!(number(&Capability::NetBindService), Some(10));
        assert_eq!(number(&Capability::SysAdmin), Some(21));
        assert_eq!(number(&Capability::CheckpointRestore), Some(40));
        assert_eq!(number_of("CAP_NOPE"), None);
        assert_eq!(name(21), "CAP_SYS_ADMIN");
    }

    fn caps(json: &str) -> LinuxCapabilities {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn what_cannot_be_granted_is_a_warning_not_an_error() {
        // runc spec's default: ambient without inheritable.
        let c = caps(
            r#"{"bounding":["CAP_KILL","CAP_AUDIT_WRITE"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"],
                "ambient":["CAP_KILL","CAP_AUDIT_WRITE"]}"#,
        );
        let (m, w) = masks(Some(&c), u64::MAX);
        assert_eq!(m.ambient, 0);
        assert_eq!(m.permitted, 1 << 5);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("process.capabilities.ambient: CAP_KILL, CAP_AUDIT_WRITE"), "{w:?}");
        // A capability the caller lacks (CAP_SYS_RESOURCE here) is left out, by name.
        let c = caps(r#"{"bounding":["CAP_SYS_RESOURCE","CAP_KILL"],"permitted":["CAP_SYS_RESOURCE"]}"#);
        let (m, w) = masks(Some(&c), !(1u64 << 24));
        assert_eq!((m.bounding, m.permitted), (1 << 5, 0));
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w.iter().all(|l| l.contains("CAP_SYS_RESOURCE not available")), "{w:?}");
        // Inheritable outside bounding, and ambient that is then not inheritable.
        let c = caps(r#"{"bounding":[],"permitted":["CAP_KILL"],"inheritable":["CAP_KILL"],"ambient":["CAP_KILL"]}"#);
        let (m, w) = masks(Some(&c), u64::MAX);
        assert_eq!((m.inheritable, m.ambient), (0, 0));
        assert!(w[0].contains("inheritable: CAP_KILL not in the bounding set"), "{w:?}");
    }

    #[test]
    fn everything_grantable_passes_unchanged() {
        let c = caps(
            r#"{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"],
                "inheritable":["CAP_KILL"],"ambient":["CAP_KILL"]}"#,
        );
        let (m, w) = masks(Some(&c), u64::MAX);
        let k = 1 << 5;
        assert_eq!(m, CapMasks { bounding: k, effective: k, permitted: k, inheritable: k, ambient: k });
        assert!(w.is_empty());
        assert_eq!(masks(None, u64::MAX), (CapMasks::default(), vec![]));
    }
}
