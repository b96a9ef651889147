//! The device rules a filter enforces, read back from the very writes the v1
//! devices controller gets (`resources::device_writes`): deny everything,
//! the config's rules in order, then berth's default nodes. One parser and
//! one list for both versions, so v1 and v2 cannot drift apart.

use crate::cgroups::resources::device_writes;
use crate::error::{About, Result};
use oci_spec::runtime::LinuxDeviceCgroup;

/// `ctx->access_type` encoding from <linux/bpf.h>: the device type in the low
/// 16 bits, the access in the high 16.
pub const DEV_BLOCK: u32 = 1;
pub const DEV_CHAR: u32 = 2;
pub const ACC_MKNOD: u32 = 1;
pub const ACC_READ: u32 = 2;
pub const ACC_WRITE: u32 = 4;

/// One rule as the kernel's device check sees a device: `None` matches any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub allow: bool,
    /// DEV_BLOCK or DEV_CHAR; `None` is type `a`.
    pub kind: Option<u32>,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    /// ACC_* bits.
    pub access: u32,
}

impl Rule {
    /// Matches every device: the rules before it can no longer decide the
    /// access bits it covers.
    pub fn matches_any_device(&self) -> bool {
        self.kind.is_none() && self.major.is_none() && self.minor.is_none()
    }
}

/// The full rule list for a container, first to last, validated with the
/// same messages as on v1 (`linux.resources.devices[i]: ...`).
pub fn for_config(config: &[LinuxDeviceCgroup]) -> Result<Vec<Rule>> {
    for (i, d) in config.iter().enumerate() {
        // The v1 kernel reads the numbers as u32 and refuses larger ones;
        // refuse them here too rather than compile a rule that can't match.
        for (what, n) in [("major", d.major()), ("minor", d.minor())] {
            if let Some(n) = n.filter(|n| *n > i64::from(u32::MAX)) {
                let field = format!("linux.resources.devices[{i}]");
                return Err(crate::Error::field(field, format!("{what} {n} is not a device number")));
            }
        }
    }
    device_writes(config)?.iter().map(|w| parse(w.file == "devices.allow", &w.value).field(w.field)).collect()
}

/// Parses one v1 rule, `a` or `TYPE MAJOR:MINOR ACCESS` (`*` for any number).
pub fn parse(allow: bool, text: &str) -> Result<Rule> {
    let mut words = text.split(' ');
    let kind = match words.next() {
        Some("a") => None,
        Some("b") => Some(DEV_BLOCK),
        Some("c") => Some(DEV_CHAR),
        _ => return Err(format!("device rule {text:?}: bad type").into()),
    };
    // A bare `a` (v1's "devices.deny a") is every device, every access.
    let (numbers, access) = match (words.next(), words.next(), words.next()) {
        (None, _, _) if kind.is_none() => ("*:*", "rwm"),
        (Some(n), Some(a), None) => (n, a),
        _ => return Err(format!("device rule {text:?}: want TYPE MAJOR:MINOR ACCESS").into()),
    };
    let number = |s: &str| -> Result<Option<u32>> {
        match s {
            "*" => Ok(None),
            n => n.parse().map(Some).map_err(|_| format!("device rule {text:?}: bad number {n:?}").into()),
        }
    };
    let Some((major, minor)) = numbers.split_once(':') else {
        return Err(format!("device rule {text:?}: want MAJOR:MINOR").into());
    };
    let mut bits = 0;
    for c in access.chars() {
        bits |= match c {
            'm' => ACC_MKNOD,
            'r' => ACC_READ,
            'w' => ACC_WRITE,
            _ => return Err(format!("device rule {text:?}: bad access {c:?}").into()),
        };
    }
    Ok(Rule { allow, kind, major: number(major)?, minor: number(minor)?, access: bits })
}
