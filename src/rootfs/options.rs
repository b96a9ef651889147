//! The mount option table: every option runc accepts, split into mount(2)
//! flags, propagation, recursive attributes (mount_setattr) and fs data.

use crate::error::Result;
use crate::sys;
use nix::mount::MsFlags;

#[derive(Debug, Clone, PartialEq)]
pub struct MountOptions {
    /// Flags for mount(2).
    pub flags: MsFlags,
    /// Flags the options explicitly cleared (e.g. `rw`, `suid`): kept so a bind
    /// remount can tell "asked to clear" from "not mentioned".
    pub cleared: MsFlags,
    /// MS_SHARED/MS_SLAVE/... applied after the mount, in order.
    pub propagation: Vec<MsFlags>,
    /// mount_setattr attributes applied to the whole subtree (`rro`, `rnosuid`, ...).
    pub rec_set: u64,
    pub rec_clr: u64,
    /// Comma-joined filesystem-specific data (`size=64k`, `mode=755`).
    pub data: String,
    pub idmap: Option<bool>, // Some(recursive)
    pub tmpcopyup: bool,
}

impl Default for MountOptions {
    fn default() -> Self {
        MountOptions {
            flags: MsFlags::empty(),
            cleared: MsFlags::empty(),
            propagation: vec![],
            rec_set: 0,
            rec_clr: 0,
            data: String::new(),
            idmap: None,
            tmpcopyup: false,
        }
    }
}

impl MountOptions {
    pub fn is_bind(&self) -> bool {
        self.flags.contains(MsFlags::MS_BIND)
    }
}

/// Options that set (true) or clear (false) a mount(2) flag.
const FLAG_OPTIONS: &[(&str, bool, MsFlags)] = &[
    ("async", false, MsFlags::MS_SYNCHRONOUS),
    ("atime", false, MsFlags::MS_NOATIME),
    ("bind", true, MsFlags::MS_BIND),
    ("defaults", true, MsFlags::empty()),
    ("dev", false, MsFlags::MS_NODEV),
    ("diratime", false, MsFlags::MS_NODIRATIME),
    ("dirsync", true, MsFlags::MS_DIRSYNC),
    ("exec", false, MsFlags::MS_NOEXEC),
    ("iversion", true, MsFlags::MS_I_VERSION),
    ("lazytime", true, MsFlags::MS_LAZYTIME),
    ("loud", false, MsFlags::MS_SILENT),
    ("mand", true, MsFlags::MS_MANDLOCK),
    ("noatime", true, MsFlags::MS_NOATIME),
    ("nodev", true, MsFlags::MS_NODEV),
    ("nodiratime", true, MsFlags::MS_NODIRATIME),
    ("noexec", true, MsFlags::MS_NOEXEC),
    ("noiversion", false, MsFlags::MS_I_VERSION),
    ("nolazytime", false, MsFlags::MS_LAZYTIME),
    ("nomand", false, MsFlags::MS_MANDLOCK),
    ("norelatime", false, MsFlags::MS_RELATIME),
    ("nostrictatime", false, MsFlags::MS_STRICTATIME),
    ("nosuid", true, MsFlags::MS_NOSUID),
    ("nosymfollow", true, MsFlags::from_bits_retain(256)),
    ("rbind", true, MsFlags::MS_BIND.union(MsFlags::MS_REC)),
    ("relatime", true, MsFlags::MS_RELATIME),
    ("remount", true, MsFlags::MS_REMOUNT),
    ("ro", true, MsFlags::MS_RDONLY),
    ("rw", false, MsFlags::MS_RDONLY),
    ("silent", true, MsFlags::MS_SILENT),
    ("strictatime", true, MsFlags::MS_STRICTATIME),
    ("suid", false, MsFlags::MS_NOSUID),
    ("symfollow", false, MsFlags::from_bits_retain(256)),
    ("sync", true, MsFlags::MS_SYNCHRONOUS),
];

/// Propagation options, applied after the mount in the order given.
const PROPAGATION_OPTIONS: &[(&str, MsFlags)] = &[
    ("private", MsFlags::MS_PRIVATE),
    ("rprivate", MsFlags::MS_PRIVATE.union(MsFlags::MS_REC)),
    ("shared", MsFlags::MS_SHARED),
    ("rshared", MsFlags::MS_SHARED.union(MsFlags::MS_REC)),
    ("slave", MsFlags::MS_SLAVE),
    ("rslave", MsFlags::MS_SLAVE.union(MsFlags::MS_REC)),
    ("unbindable", MsFlags::MS_UNBINDABLE),
    ("runbindable", MsFlags::MS_UNBINDABLE.union(MsFlags::MS_REC)),
];

/// Options that set (true) or clear (false) a mount_setattr attribute on the
/// whole tree.
const RECURSIVE_OPTIONS: &[(&str, bool, u64)] = &[
    ("rro", true, sys::MOUNT_ATTR_RDONLY),
    ("rrw", false, sys::MOUNT_ATTR_RDONLY),
    ("rnosuid", true, sys::MOUNT_ATTR_NOSUID),
    ("rsuid", false, sys::MOUNT_ATTR_NOSUID),
    ("rnodev", true, sys::MOUNT_ATTR_NODEV),
    ("rdev", false, sys::MOUNT_ATTR_NODEV),
    ("rnoexec", true, sys::MOUNT_ATTR_NOEXEC),
    ("rexec", false, sys::MOUNT_ATTR_NOEXEC),
    ("rnodiratime", true, sys::MOUNT_ATTR_NODIRATIME),
    ("rdiratime", false, sys::MOUNT_ATTR_NODIRATIME),
    ("rrelatime", true, sys::MOUNT_ATTR_RELATIME),
    ("rnorelatime", false, sys::MOUNT_ATTR__ATIME),
    ("rnoatime", true, sys::MOUNT_ATTR_NOATIME),
    ("ratime", false, sys::MOUNT_ATTR_NOATIME),
    ("rstrictatime", true, sys::MOUNT_ATTR_STRICTATIME),
    ("rnostrictatime", false, sys::MOUNT_ATTR_STRICTATIME),
    ("rnosymfollow", true, sys::MOUNT_ATTR_NOSYMFOLLOW),
    ("rsymfollow", false, sys::MOUNT_ATTR_NOSYMFOLLOW),
];

/// Options berth handles itself rather than passing to the kernel.
const EXTENSION_OPTIONS: &[&str] = &["idmap", "ridmap", "tmpcopyup"];

fn flag_option(opt: &str) -> Option<(bool, MsFlags)> {
    FLAG_OPTIONS.iter().find(|(n, _, _)| *n == opt).map(|(_, set, f)| (*set, *f))
}

pub fn propagation_option(opt: &str) -> Option<MsFlags> {
    PROPAGATION_OPTIONS.iter().find(|(n, _)| *n == opt).map(|(_, f)| *f)
}

fn recursive_option(opt: &str) -> Option<(bool, u64)> {
    RECURSIVE_OPTIONS.iter().find(|(n, _, _)| *n == opt).map(|(_, set, a)| (*set, *a))
}

/// Every option name `parse` understands (unknown ones become fs data),
/// taken from the tables so `berth features` cannot drift from them.
pub fn known_options() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = FLAG_OPTIONS
        .iter()
        .map(|(n, _, _)| *n)
        .chain(PROPAGATION_OPTIONS.iter().map(|(n, _)| *n))
        .chain(RECURSIVE_OPTIONS.iter().map(|(n, _, _)| *n))
        .chain(EXTENSION_OPTIONS.iter().copied())
        .collect();
    v.sort_unstable();
    v
}

/// The atime mode an r*atime option asks for: noatime, strictatime (always
/// update: the opposite of relatime), or relatime, the kernel's default,
/// for the options that clear one of the others.
fn recursive_atime(opt: &str) -> Option<u64> {
    match opt {
        "rnoatime" => Some(sys::MOUNT_ATTR_NOATIME),
        "rstrictatime" | "rnorelatime" => Some(sys::MOUNT_ATTR_STRICTATIME),
        "rrelatime" | "ratime" | "rnostrictatime" => Some(sys::MOUNT_ATTR_RELATIME),
        _ => None,
    }
}

pub fn parse(options: &[String]) -> Result<MountOptions> {
    let mut out = MountOptions::default();
    let mut data = Vec::new();
    for opt in options {
        let opt = opt.as_str();
        if let Some((set, flag)) = flag_option(opt) {
            if set {
                out.flags |= flag;
                out.cleared &= !flag;
            } else {
                out.flags &= !flag;
                out.cleared |= flag;
            }
        } else if let Some(p) = propagation_option(opt) {
            out.propagation.push(p);
        } else if let Some(mode) = recursive_atime(opt) {
            // The atime mode is one field of mount_setattr: setting any of
            // it needs the whole field in attr_clr, and the last one wins.
            out.rec_set = (out.rec_set & !sys::MOUNT_ATTR__ATIME) | mode;
            out.rec_clr |= sys::MOUNT_ATTR__ATIME;
        } else if let Some((set, attr)) = recursive_option(opt) {
            if set {
                out.rec_set |= attr;
            } else {
                out.rec_clr |= attr;
            }
        } else {
            match opt {
                "idmap" => out.idmap = Some(false),
                "ridmap" => out.idmap = Some(true),
                "tmpcopyup" => out.tmpcopyup = true,
                "" => return Err("empty option".into()),
                _ => data.push(opt),
            }
        }
    }
    out.data = data.join(",");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(v: &[&str]) -> MountOptions {
        parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn recursive_atime_modes_clear_the_whole_field() {
        for (opt, mode) in [
            ("rnoatime", sys::MOUNT_ATTR_NOATIME),
            ("rstrictatime", sys::MOUNT_ATTR_STRICTATIME),
            ("rrelatime", sys::MOUNT_ATTR_RELATIME),
            ("ratime", sys::MOUNT_ATTR_RELATIME),
        ] {
            let o = opts(&[opt]);
            assert_eq!((o.rec_set & sys::MOUNT_ATTR__ATIME, o.rec_clr), (mode, sys::MOUNT_ATTR__ATIME), "{opt}");
        }
        let o = opts(&["rnoatime", "rstrictatime", "rnodiratime"]);
        assert_eq!(o.rec_set, sys::MOUNT_ATTR_STRICTATIME | sys::MOUNT_ATTR_NODIRATIME);
    }

    #[test]
    fn later_options_win() {
        let o = opts(&["ro", "rw", "nosuid"]);
        assert!(!o.flags.contains(MsFlags::MS_RDONLY));
        assert!(o.cleared.contains(MsFlags::MS_RDONLY));
        assert!(o.flags.contains(MsFlags::MS_NOSUID));
    }

    #[test]
    fn splits_flags_propagation_recursive_and_data() {
        let o = opts(&["rbind", "rslave", "rro", "size=64k", "mode=755"]);
        assert!(o.flags.contains(MsFlags::MS_BIND | MsFlags::MS_REC));
        assert_eq!(o.propagation, vec![MsFlags::MS_SLAVE | MsFlags::MS_REC]);
        assert_eq!(o.rec_set, sys::MOUNT_ATTR_RDONLY);
        assert_eq!(o.data, "size=64k,mode=755");
    }

    #[test]
    fn every_known_option_is_understood() {
        let all = known_options();
        assert_eq!(all.len(), 62);
        for o in all {
            assert!(opts(&[o]).data.is_empty(), "{o} fell through to fs data");
        }
    }

    #[test]
    fn idmap_variants() {
        assert_eq!(opts(&["idmap"]).idmap, Some(false));
        assert_eq!(opts(&["ridmap"]).idmap, Some(true));
    }
}
