//! The bpf(2) calls a device filter needs, each `unsafe` with its argument.
//! libc has neither a wrapper nor `union bpf_attr`: each command gets a
//! struct with the leading fields it uses. The kernel copies `size` bytes and
//! treats the rest of the union as zero.

use super::ebpf::Insn;
use std::ffi::CStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

const BPF_PROG_LOAD: libc::c_int = 5;
const BPF_PROG_ATTACH: libc::c_int = 8;
const BPF_PROG_DETACH: libc::c_int = 9;
const BPF_PROG_GET_FD_BY_ID: libc::c_int = 13;
const BPF_PROG_QUERY: libc::c_int = 16;
pub const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
pub const BPF_CGROUP_DEVICE: u32 = 6;
/// Other programs on this cgroup and its ancestors keep running; a device
/// access must pass them all.
pub const BPF_F_ALLOW_MULTI: u32 = 2;

/// The BPF_PROG_LOAD part of `union bpf_attr`.
#[repr(C)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
}

/// The BPF_PROG_ATTACH and BPF_PROG_DETACH part of `union bpf_attr`.
#[repr(C)]
struct ProgAttachAttr {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
}

/// The BPF_PROG_QUERY part of `union bpf_attr`, through `revision`, plus
/// zeroes to the union's full size: unlike the other commands, a query
/// writes back into the attr (attach_flags, prog_cnt and, since Linux 6.6,
/// `revision` at offset 56) whatever size we pass.
#[repr(C)]
#[derive(Default)]
struct ProgQueryAttr {
    target_fd: u32,
    attach_type: u32,
    query_flags: u32,
    attach_flags: u32,
    prog_ids: u64,
    prog_cnt: u32,
    _pad: u32,
    prog_attach_flags: u64,
    link_ids: u64,
    link_attach_flags: u64,
    revision: u64,
    _rest: [u64; 8],
}

/// The BPF_PROG_GET_FD_BY_ID part of `union bpf_attr`.
#[repr(C)]
struct GetFdByIdAttr {
    prog_id: u32,
    next_id: u32,
    open_flags: u32,
}

use crate::sys::errno_result as bpf_result;

/// BPF_PROG_LOAD: verifies `insns` and returns the program's fd. With `log`,
/// the verifier writes its reasoning there (NUL-terminated).
pub fn prog_load(prog_type: u32, insns: &[Insn], license: &CStr, log: Option<&mut [u8]>) -> io::Result<OwnedFd> {
    let insn_cnt = u32::try_from(insns.len()).map_err(|_| io::Error::from_raw_os_error(libc::E2BIG))?;
    let (log_level, log_size, log_buf) = match log {
        Some(buf) => (1, u32::try_from(buf.len()).unwrap_or(u32::MAX), buf.as_mut_ptr() as u64),
        None => (0, 0, 0),
    };
    let attr = ProgLoadAttr {
        prog_type,
        insn_cnt,
        insns: insns.as_ptr() as u64,
        license: license.as_ptr() as u64,
        log_level,
        log_size,
        log_buf,
    };
    // SAFETY: `attr` points at `insn_cnt` instructions, a NUL-terminated
    // license and (when set) a writable log of `log_size` bytes, all borrowed
    // for the whole call; the kernel reads the first two, writes at most
    // `log_size` bytes of the log, and keeps no pointer after returning.
    let fd = bpf_result(unsafe {
        libc::syscall(libc::SYS_bpf, BPF_PROG_LOAD, &attr as *const ProgLoadAttr, std::mem::size_of::<ProgLoadAttr>())
    })?;
    // SAFETY: a fresh program fd from the kernel (always close-on-exec),
    // owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// BPF_PROG_ATTACH of `prog` to the cgroup directory `cgroup`. The cgroup
/// holds its own reference: the program stays until it is detached or the
/// cgroup is removed, whatever happens to our fds.
pub fn prog_attach(cgroup: &File, prog: &OwnedFd, attach_type: u32, flags: u32) -> io::Result<()> {
    attach_or_detach(BPF_PROG_ATTACH, cgroup, prog, attach_type, flags)
}

/// BPF_PROG_DETACH of `prog` from the cgroup directory `cgroup`.
pub fn prog_detach(cgroup: &File, prog: &OwnedFd, attach_type: u32) -> io::Result<()> {
    attach_or_detach(BPF_PROG_DETACH, cgroup, prog, attach_type, 0)
}

fn attach_or_detach(cmd: libc::c_int, cgroup: &File, prog: &OwnedFd, attach_type: u32, flags: u32) -> io::Result<()> {
    let attr = ProgAttachAttr {
        target_fd: cgroup.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type,
        attach_flags: flags,
    };
    // SAFETY: `attr` is a live, fully initialised struct of the declared
    // size holding two fds we keep open for the call; the kernel only reads it.
    bpf_result(unsafe {
        libc::syscall(libc::SYS_bpf, cmd, &attr as *const ProgAttachAttr, std::mem::size_of::<ProgAttachAttr>())
    })
    .map(drop)
}

/// BPF_PROG_QUERY: the ids of the programs of `attach_type` attached to the
/// cgroup directory `cgroup` itself (not those inherited from its parents).
pub fn prog_query(cgroup: &File, attach_type: u32) -> io::Result<Vec<u32>> {
    // A cgroup holds at most 64 programs per attach type today; should that
    // grow, ENOSPC tells us how many there are and we ask again.
    let mut ids = vec![0u32; 64];
    for _ in 0..4 {
        let mut attr = ProgQueryAttr {
            target_fd: cgroup.as_raw_fd() as u32,
            attach_type,
            prog_ids: ids.as_mut_ptr() as u64,
            prog_cnt: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            ..Default::default()
        };
        // SAFETY: `attr` is a live struct as large as the kernel's query
        // attr, which it reads and writes back into; `prog_ids` points at
        // `prog_cnt` writable u32s that stay borrowed for the whole call.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_bpf,
                BPF_PROG_QUERY,
                &mut attr as *mut ProgQueryAttr,
                std::mem::size_of::<ProgQueryAttr>(),
            )
        };
        match bpf_result(ret) {
            Ok(_) => {
                ids.truncate(attr.prog_cnt as usize);
                return Ok(ids);
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => ids.resize(attr.prog_cnt as usize, 0),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::from_raw_os_error(libc::ENOSPC))
}

/// BPF_PROG_GET_FD_BY_ID: an fd for an attached program, to detach it by.
pub fn prog_get_fd_by_id(id: u32) -> io::Result<OwnedFd> {
    let attr = GetFdByIdAttr { prog_id: id, next_id: 0, open_flags: 0 };
    // SAFETY: a live, fully initialised struct of the declared size, only read.
    let fd = bpf_result(unsafe {
        libc::syscall(
            libc::SYS_bpf,
            BPF_PROG_GET_FD_BY_ID,
            &attr as *const GetFdByIdAttr,
            std::mem::size_of::<GetFdByIdAttr>(),
        )
    })?;
    // SAFETY: a fresh fd from the kernel, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}
