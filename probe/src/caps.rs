//! Capability sets of the probe process.
//!
//! The syscall interfaces (capget(2), prctl(2)) are used first because they
//! work without /proc, which a misconfigured container may lack. The hex
//! masks in /proc/self/status are only a fallback for when a syscall fails
//! (for instance because a seccomp profile denies it).

use serde_json::{json, Value};

/// Kernel capability names indexed by capability number
/// (include/uapi/linux/capability.h).
pub const CAP_NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// Name for a capability number. Numbers newer than this table get a
/// synthetic "CAP_<n>" so an unexpected capability is still visible in the
/// output instead of silently dropped.
pub fn cap_name(n: u32) -> String {
    CAP_NAMES.get(n as usize).map(|s| s.to_string()).unwrap_or_else(|| format!("CAP_{n}"))
}

/// Capability names for every bit set in `mask`, in ascending order.
pub fn decode_mask(mask: u64) -> Vec<String> {
    (0..64).filter(|b| mask & (1u64 << b) != 0).map(cap_name).collect()
}

/// Parse a mask as printed in /proc/self/status ("000001ffffffffff").
pub fn parse_hex_mask(s: &str) -> Option<u64> {
    u64::from_str_radix(s.trim(), 16).ok()
}

// Layout of the capget(2) header and data (struct __user_cap_header_struct /
// __user_cap_data_struct); the libc crate does not expose them.
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Version 3 uses two data structs so all 64 bits are returned.
const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// (effective, permitted, inheritable) via capget(2).
fn capget_sets() -> Option<(u64, u64, u64)> {
    let mut hdr = CapHeader { version: LINUX_CAPABILITY_VERSION_3, pid: 0 };
    let mut data = [CapData::default(); 2];
    // SAFETY: hdr and data match the kernel ABI for version 3 (one header,
    // two data structs) and live for the duration of the call.
    let rc = unsafe { libc::syscall(libc::SYS_capget, &mut hdr as *mut CapHeader, data.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    let join = |lo: u32, hi: u32| (lo as u64) | ((hi as u64) << 32);
    Some((
        join(data[0].effective, data[1].effective),
        join(data[0].permitted, data[1].permitted),
        join(data[0].inheritable, data[1].inheritable),
    ))
}

/// Probe a per-capability prctl for every capability the kernel knows.
/// The kernel answers EINVAL for numbers past its last capability, which is
/// how we find the end without hardcoding the kernel version. Any other
/// failure (e.g. seccomp) makes the whole set unknown.
fn probe_per_cap(query: impl Fn(libc::c_ulong) -> libc::c_int) -> Option<u64> {
    let mut mask = 0u64;
    for cap in 0..64u32 {
        match query(cap as libc::c_ulong) {
            1 => mask |= 1u64 << cap,
            0 => {}
            _ if crate::sys::errno() == libc::EINVAL && cap > 0 => break,
            _ => return None,
        }
    }
    Some(mask)
}

fn bounding_syscall() -> Option<u64> {
    probe_per_cap(|cap| {
        // SAFETY: PR_CAPBSET_READ takes a capability number and touches no
        // memory.
        unsafe { libc::prctl(libc::PR_CAPBSET_READ, cap, 0, 0, 0) }
    })
}

fn ambient_syscall() -> Option<u64> {
    probe_per_cap(|cap| {
        // SAFETY: PR_CAP_AMBIENT_IS_SET takes a capability number and
        // touches no memory.
        unsafe {
            libc::prctl(
                libc::PR_CAP_AMBIENT,
                libc::PR_CAP_AMBIENT_IS_SET as libc::c_ulong,
                cap,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
            )
        }
    })
}

/// The "caps" object of the report. `status` is /proc/self/status if it
/// could be read; each set is null only if both sources fail.
pub fn collect(status: Option<&str>) -> Value {
    let from_status = |key: &str| status.and_then(|s| crate::sys::status_field(s, key)).and_then(parse_hex_mask);
    let (eff, prm, inh) = match capget_sets() {
        Some((e, p, i)) => (Some(e), Some(p), Some(i)),
        None => (from_status("CapEff"), from_status("CapPrm"), from_status("CapInh")),
    };
    let bnd = bounding_syscall().or_else(|| from_status("CapBnd"));
    let amb = ambient_syscall().or_else(|| from_status("CapAmb"));
    let names = |m: Option<u64>| m.map(decode_mask);
    json!({
        "bounding": names(bnd),
        "effective": names(eff),
        "permitted": names(prm),
        "inheritable": names(inh),
        "ambient": names(amb),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_empty_and_single_bits() {
        assert!(decode_mask(0).is_empty());
        assert_eq!(decode_mask(1), vec!["CAP_CHOWN"]);
        assert_eq!(decode_mask(1 << 21), vec!["CAP_SYS_ADMIN"]);
        assert_eq!(decode_mask(1 << 40), vec!["CAP_CHECKPOINT_RESTORE"]);
    }

    #[test]
    fn decodes_docker_default_set() {
        // The default capability set used by Docker/runc specs.
        let mask = parse_hex_mask("00000000a80425fb").unwrap();
        assert_eq!(
            decode_mask(mask),
            vec![
                "CAP_CHOWN",
                "CAP_DAC_OVERRIDE",
                "CAP_FOWNER",
                "CAP_FSETID",
                "CAP_KILL",
                "CAP_SETGID",
                "CAP_SETUID",
                "CAP_SETPCAP",
                "CAP_NET_BIND_SERVICE",
                "CAP_NET_RAW",
                "CAP_SYS_CHROOT",
                "CAP_MKNOD",
                "CAP_AUDIT_WRITE",
                "CAP_SETFCAP",
            ]
        );
    }

    #[test]
    fn decodes_full_set_and_unknown_bits() {
        let all = decode_mask(parse_hex_mask("000001ffffffffff\n").unwrap());
        assert_eq!(all.len(), 41);
        assert_eq!(all.first().unwrap(), "CAP_CHOWN");
        assert_eq!(all.last().unwrap(), "CAP_CHECKPOINT_RESTORE");
        assert_eq!(decode_mask(1 << 41), vec!["CAP_41"]);
    }

    #[test]
    fn rejects_bad_hex() {
        assert_eq!(parse_hex_mask("xyz"), None);
        assert_eq!(parse_hex_mask(""), None);
    }
}
