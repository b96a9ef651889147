//! Capabilities: bounding set first (while we still hold CAP_SETPCAP), then,
//! after the user switch, effective/permitted/inheritable in one capset and
//! the ambient set last (it needs the cap in permitted and inheritable).

use anyhow::{anyhow, Result};
use oci_spec::runtime::{Capabilities, Capability, LinuxCapabilities};
use std::str::FromStr;

/// The kernel's number for an OCI capability.
pub fn number(c: &Capability) -> Result<u8> {
    let name = format!("CAP_{c}");
    caps::Capability::from_str(&name).map(|c| c.index()).map_err(|_| anyhow!("capability {name} is unknown"))
}

fn mask(set: &Option<Capabilities>) -> Result<u64> {
    let mut m = 0u64;
    for c in set.iter().flatten() {
        m |= 1u64 << number(c)?;
    }
    Ok(m)
}

/// Caps as bitmasks, computed in the parent so the child cannot fail on names.
#[derive(Debug, Clone, Copy, Default)]
pub struct CapMasks {
    pub bounding: u64,
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
    pub ambient: u64,
}

/// An absent `process.capabilities` means no capabilities at all: a container
/// gets privileges only when its config asks for them.
pub fn masks(caps: Option<&LinuxCapabilities>) -> Result<CapMasks> {
    let Some(c) = caps else { return Ok(CapMasks::default()) };
    Ok(CapMasks {
        bounding: mask(c.bounding()).map_err(|e| anyhow!("process.capabilities.bounding: {e}"))?,
        effective: mask(c.effective()).map_err(|e| anyhow!("process.capabilities.effective: {e}"))?,
        permitted: mask(c.permitted()).map_err(|e| anyhow!("process.capabilities.permitted: {e}"))?,
        inheritable: mask(c.inheritable()).map_err(|e| anyhow!("process.capabilities.inheritable: {e}"))?,
        ambient: mask(c.ambient()).map_err(|e| anyhow!("process.capabilities.ambient: {e}"))?,
    })
}

fn last_cap() -> u8 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(40)
}

pub fn drop_bounding(m: &CapMasks) -> Result<()> {
    for cap in 0..=last_cap().min(63) {
        if m.bounding & (1 << cap) == 0 {
            // SAFETY: prctl with integer arguments.
            if unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) } != 0 {
                let e = std::io::Error::last_os_error();
                if e.raw_os_error() != Some(libc::EINVAL) {
                    return Err(anyhow!("process.capabilities.bounding: drop cap {cap}: {e}"));
                }
            }
        }
    }
    Ok(())
}

pub fn apply_sets(m: &CapMasks) -> Result<()> {
    crate::sys::capset(m.effective, m.permitted, m.inheritable)
        .map_err(|e| anyhow!("process.capabilities: capset: {e}"))?;
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong, 0, 0, 0) };
    for cap in 0..64u32 {
        if m.ambient & (1 << cap) != 0 {
            // SAFETY: prctl with integer arguments.
            let r = unsafe {
                libc::prctl(
                    libc::PR_CAP_AMBIENT,
                    libc::PR_CAP_AMBIENT_RAISE as libc::c_ulong,
                    cap as libc::c_ulong,
                    0,
                    0,
                )
            };
            if r != 0 {
                return Err(anyhow!(
                    "process.capabilities.ambient: raise cap {cap}: {} (it must also be permitted and inheritable)",
                    std::io::Error::last_os_error()
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_the_kernel() {
        assert_eq!(number(&Capability::Chown).unwrap(), 0);
        assert_eq!(number(&Capability::NetBindService).unwrap(), 10);
        assert_eq!(number(&Capability::SysAdmin).unwrap(), 21);
        assert_eq!(number(&Capability::CheckpointRestore).unwrap(), 40);
    }
}
