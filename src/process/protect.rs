//! Keeping the berth binary out of a container's reach (CVE-2019-5736 class).
//!
//! A process in the container can reach our binary only through
//! /proc/PID/exe of a berth process it can see, or by making init exec the
//! binary itself. So:
//! - berth is non-dumpable from before the clone, so /proc/PID/exe of init
//!   is closed to container processes without CAP_SYS_PTRACE;
//! - when a berth process becomes visible to container processes that could
//!   open a non-dumpable process's exe (init joining an existing pid
//!   namespace, or `exec`, when the container may hold CAP_SYS_PTRACE over
//!   the host's user namespace), berth first re-execs from a sealed memfd
//!   copy, so what such a process could open is a read-only anonymous copy;
//! - init refuses to exec a program (or `#!` interpreter) that is the
//!   runtime binary.
//!
//! The copy costs a few ms and is only paid in those cases.

use crate::error::{OsError, Result, SysError, SysResult};
use std::ffi::CString;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

const REEXEC_ENV: &str = "_BERTH_SEALED_COPY";

pub fn set_dumpable(on: bool) -> Result<()> {
    // SAFETY: prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, on as libc::c_ulong, 0, 0, 0) } != 0 {
        return Err(SysError::new("prctl(PR_SET_DUMPABLE)", None, OsError::last()).into());
    }
    Ok(())
}

/// True when this process already runs from the sealed copy.
pub fn running_from_sealed_copy() -> bool {
    std::env::var_os(REEXEC_ENV).is_some()
}

/// True when a process of this container could open /proc/PID/exe of a
/// non-dumpable berth process it can see: that takes CAP_SYS_PTRACE in the
/// host's user namespace, so a container with its own user namespace, or
/// whose bounding set lacks CAP_SYS_PTRACE, never can (`exec` never adds a
/// capability outside that set).
pub fn container_may_ptrace_host(config: &oci_spec::runtime::Spec) -> bool {
    let linux = config.linux().as_ref();
    let has_userns = linux
        .and_then(|l| l.namespaces().as_ref())
        .is_some_and(|n| n.iter().any(|ns| ns.typ() == oci_spec::runtime::LinuxNamespaceType::User));
    let ptrace = config
        .process()
        .as_ref()
        .and_then(|p| p.capabilities().as_ref())
        .and_then(|c| c.bounding().as_ref())
        .is_some_and(|b| b.contains(&oci_spec::runtime::Capability::SysPtrace));
    !has_userns && ptrace
}

/// Re-executes the current command line from a sealed memfd copy of our
/// binary. Returns only on failure.
pub fn reexec_from_sealed_copy() -> Result<std::convert::Infallible> {
    let copy = sealed_copy()?;
    // The kernel handed us argv and environ as C strings: none holds a NUL.
    let c_string = |bytes: Vec<u8>| {
        CString::new(bytes).map_err(|e| crate::Error::Invalid(format!("re-exec from sealed copy: {e}")))
    };
    let args: Vec<CString> = std::env::args_os().map(|a| c_string(a.into_vec())).collect::<Result<_>>()?;
    let mut env: Vec<CString> = std::env::vars_os()
        .map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend(v.into_vec());
            c_string(kv)
        })
        .collect::<Result<_>>()?;
    // The copy must still recognise the binary on disk (see refuse_runtime_binary).
    let (dev, ino) = self_identity().unwrap_or_default();
    env.push(c_string(format!("{REEXEC_ENV}={dev}:{ino}").into_bytes())?);
    let argv: Vec<*const libc::c_char> =
        args.iter().map(|a| a.as_ptr()).chain(std::iter::once(std::ptr::null())).collect();
    let envp: Vec<*const libc::c_char> =
        env.iter().map(|a| a.as_ptr()).chain(std::iter::once(std::ptr::null())).collect();
    // SAFETY: argv/envp are NUL-terminated arrays of pointers into live CStrings.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            copy.as_raw_fd(),
            c"".as_ptr(),
            argv.as_ptr(),
            envp.as_ptr(),
            libc::AT_EMPTY_PATH,
        )
    };
    Err(SysError::new("execveat (re-exec from sealed copy)", None, OsError::last()).into())
}

fn sealed_copy() -> Result<OwnedFd> {
    const MFD_EXEC: libc::c_uint = 0x10;
    let name = c"berth";
    let flags = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
    // SAFETY: memfd_create with a literal name; MFD_EXEC is refused by old kernels.
    let mut fd = unsafe { libc::memfd_create(name.as_ptr(), flags | MFD_EXEC) };
    if fd < 0 {
        // SAFETY: as above, without MFD_EXEC.
        fd = unsafe { libc::memfd_create(name.as_ptr(), flags) };
    }
    if fd < 0 {
        return Err(SysError::new("memfd_create", None, OsError::last()).into());
    }
    // SAFETY: a fresh fd from the kernel.
    let memfd = unsafe { OwnedFd::from_raw_fd(fd) };
    let exe_path = Path::new("/proc/self/exe");
    let mut exe = std::fs::File::open(exe_path).sys_at("open", exe_path)?;
    let mut out = std::fs::File::from(memfd.try_clone().sys("dup")?);
    std::io::copy(&mut exe, &mut out).sys_at("copy to a memfd", exe_path)?;
    let seals = libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
    // SAFETY: fcntl on our own memfd.
    if unsafe { libc::fcntl(memfd.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
        return Err(SysError::new("seal memfd (F_ADD_SEALS)", None, OsError::last()).into());
    }
    Ok(memfd)
}

/// Device and inode of the berth binary on disk, to recognise it inside a
/// container; in the sealed copy, those of the binary it was copied from.
pub fn self_identity() -> Option<(u64, u64)> {
    if let Some(v) = std::env::var_os(REEXEC_ENV) {
        let v = v.to_string_lossy();
        let (dev, ino) = v.split_once(':')?;
        return Some((dev.parse().ok()?, ino.parse().ok()?));
    }
    std::fs::metadata("/proc/self/exe").ok().map(|m| (m.dev(), m.ino()))
}

/// Fails when `program`, or the interpreter of a `#!` script chain, is the
/// runtime binary.
pub fn refuse_runtime_binary(program: &Path, me: Option<(u64, u64)>) -> Result<()> {
    let Some(me) = me else { return Ok(()) };
    let mut path = program.to_path_buf();
    // The kernel follows at most 4 levels of interpreters (BINPRM_MAX_RECURSION).
    for _ in 0..5 {
        let Ok(m) = std::fs::metadata(&path) else { return Ok(()) };
        if (m.dev(), m.ino()) == me {
            return Err(super::Error::RuntimeBinary { program: program.to_path_buf() }.into());
        }
        let mut head = [0u8; 256];
        let n = std::fs::File::open(&path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
        if n < 2 || &head[..2] != b"#!" {
            return Ok(());
        }
        let line = head[2..n].split(|b| *b == b'\n').next().unwrap_or_default();
        let interp = String::from_utf8_lossy(line).split_whitespace().next().unwrap_or_default().to_string();
        if interp.is_empty() {
            return Ok(());
        }
        path = interp.into();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_sealed_copy_refuses_writes_even_when_opened_for_writing() {
        let fd = sealed_copy().unwrap();
        let path = format!("/proc/self/fd/{}", fd.as_raw_fd());
        let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let e = f.write_all(b"x").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EPERM));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), std::fs::metadata("/proc/self/exe").unwrap().len());
    }

    #[test]
    fn refuses_the_runtime_binary_and_scripts_it_interprets() {
        let me = self_identity();
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let refused = |e: crate::Error| matches!(e, crate::Error::Process(super::super::Error::RuntimeBinary { .. }));
        assert!(refused(refuse_runtime_binary(&exe, me).unwrap_err()));
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("s");
        std::fs::write(&script, format!("#!{} --flag\n", exe.display())).unwrap();
        let e = refuse_runtime_binary(&script, me).unwrap_err();
        assert!(e.to_string().ends_with("refusing to run the runtime binary inside the container"), "{e}");
        assert!(refused(e));
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        assert!(refuse_runtime_binary(&script, me).is_ok());
    }
}
