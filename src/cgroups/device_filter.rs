//! `linux.resources.devices` on cgroup v2, where there is no devices
//! controller: the kernel asks a BPF_PROG_TYPE_CGROUP_DEVICE program attached
//! to the cgroup instead.
//!
//! The program enforces the same list the v1 path writes (deny all, the
//! config's rules in order, then berth's default nodes; see `rules`), with
//! the last matching rule deciding (see `codegen`). It is hand-assembled:
//! about a hundred instructions of nine kinds do not need libbpf, a C
//! compiler or an ELF loader (aya, the pure-Rust choice, loads compiled ELF
//! objects, which we would have to build and ship).
//!
//! `compile` does everything that can fail on a bad config, without side
//! effects; `Filter::attach` then loads the program and makes it the
//! cgroup's device filter. It is attached with BPF_F_ALLOW_MULTI, as runc,
//! crun and systemd do: programs on the parent cgroups still apply, and a
//! device access must pass every one. What this cgroup had before (an
//! earlier filter, when `update` changes the rules) is detached only after
//! the new one is in, so no moment enforces less than either. Nothing needs
//! removing on delete: once our fds are closed the cgroup holds the only
//! reference, and rmdir releases it.

mod codegen;
mod ebpf;
mod rules;
mod sys;
#[cfg(test)]
mod tests;

use crate::error::{About, Result, SysError};
use oci_spec::runtime::LinuxDeviceCgroup;
use std::os::fd::OwnedFd;
use std::path::Path;

/// The kernel insists on a license string, but checks it only against
/// GPL-only helpers, and a device filter calls no helper at all.
const LICENSE: &std::ffi::CStr = c"Apache-2.0";

/// A device filter program, compiled and checked, not yet in the kernel.
#[derive(Debug, Clone)]
pub struct Filter {
    program: Vec<ebpf::Insn>,
}

/// Compiles `rules` (with deny-all first and berth's defaults last, as on
/// v1). Errors name the config field; nothing is touched.
pub fn compile(rules: &[LinuxDeviceCgroup]) -> Result<Filter> {
    Ok(Filter { program: codegen::program(&rules::for_config(rules)?).field("linux.resources.devices")? })
}

/// Compiles `rules` and makes the result the device filter of the cgroup v2
/// directory `cgroup_dir`.
pub fn attach(cgroup_dir: &Path, rules: &[LinuxDeviceCgroup]) -> Result<()> {
    compile(rules)?.attach(cgroup_dir)
}

impl Filter {
    /// Loads the program and makes it the device filter of `cgroup_dir`,
    /// replacing the device programs attached there before.
    pub fn attach(&self, cgroup_dir: &Path) -> Result<()> {
        let err = |what: &str, e: std::io::Error| {
            crate::Error::field("linux.resources.devices", SysError::new(what, Some(cgroup_dir), e))
        };
        let prog = load(&self.program).field("linux.resources.devices")?;
        let dir = std::fs::File::open(cgroup_dir).map_err(|e| err("open", e))?;
        let old = sys::prog_query(&dir, sys::BPF_CGROUP_DEVICE).map_err(|e| err("list the device programs of", e))?;
        sys::prog_attach(&dir, &prog, sys::BPF_CGROUP_DEVICE, sys::BPF_F_ALLOW_MULTI)
            .map_err(|e| err("attach the device filter to", e))?;
        for id in old {
            let old_prog = match sys::prog_get_fd_by_id(id) {
                Ok(fd) => fd,
                // Detached meanwhile; or kept from us by an LSM, as runc
                // found with some SELinux policies: left in place it can
                // only deny more, never allow what the new filter denies.
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::EPERM | libc::EACCES)) => continue,
                Err(e) => return Err(err(&format!("open device program {id} of"), e)),
            };
            match sys::prog_detach(&dir, &old_prog, sys::BPF_CGROUP_DEVICE) {
                Err(e) if e.raw_os_error() != Some(libc::ENOENT) => {
                    return Err(err(&format!("detach device program {id} from"), e))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Loads a device program. When the verifier refuses it, loads it again with
/// the verifier's log and puts the log's last lines in the error: a refusal
/// here is a bug in `codegen`, and the log says which instruction.
fn load(program: &[ebpf::Insn]) -> Result<OwnedFd> {
    let first = match sys::prog_load(sys::BPF_PROG_TYPE_CGROUP_DEVICE, program, LICENSE, None) {
        Ok(fd) => return Ok(fd),
        Err(e) => e,
    };
    if first.raw_os_error() != Some(libc::EINVAL) && first.raw_os_error() != Some(libc::EACCES) {
        return Err(SysError::new("load the device filter", None, first).into());
    }
    let mut log = vec![0u8; 64 * 1024];
    let again = sys::prog_load(sys::BPF_PROG_TYPE_CGROUP_DEVICE, program, LICENSE, Some(&mut log));
    let text = String::from_utf8_lossy(log.split(|b| *b == 0).next().unwrap_or_default()).into_owned();
    let tail: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = tail[tail.len().saturating_sub(3)..].join(" | ");
    match again {
        Ok(fd) => Ok(fd),
        Err(e) => Err(super::Error::Verifier { os: e.into(), instructions: program.len(), log: tail }.into()),
    }
}
