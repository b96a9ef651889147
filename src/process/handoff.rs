//! Handing a process over to the container's program: the last steps of
//! init and of `exec`'s child, the same for both.
//!
//! Their order is what keeps the seccomp filter last. Once it is loaded,
//! every call berth makes is judged by the container's profile, which was
//! written for the container's program, not for us: a profile older than
//! close_range(2) denies it, for one. So every step that can come before the
//! filter does, and after it comes only what cannot:
//!
//! | the process                        | after the filter | why that one must follow it |
//! |------------------------------------|------------------|-----------------------------|
//! | noNewPrivileges                    | execve           | -                           |
//! | no NNP, keeps CAP_SYS_ADMIN        | execve           | -                           |
//! | no NNP, CAP_SYS_ADMIN dropped      | capset, execve   | seccomp(2) without NNP needs CAP_SYS_ADMIN, which that capset drops |
//! | NOTIFY rules (any of the above)    | + one sendmsg    | the listener fd to the agent exists only once the filter is loaded |
//!
//! `prepare` (init: before Ready; exec's child: straight on):
//!  1. chdir to process.cwd while still root, so a directory only root may
//!     enter works (as runc)
//!  2. drop the bounding set: it needs CAP_SETPCAP, so before the user switch
//!  3. become the user, keeping the permitted capabilities (PR_SET_KEEPCAPS)
//!     and raising them effective again: the steps below and the filter
//!     still need them
//!  4. chdir again, as the user, if root could not (root squashed on NFS);
//!     the cwd must be inside the container's root
//!  5. find the program, so a missing one fails `create` (127); refuse the
//!     runtime binary
//!  6. personality
//!  7. inheritable set and ambient raises: a raise needs the capability
//!     permitted, and permitted still holds everything
//!  8. every fd above stdio and --preserve-fds close-on-exec, after every
//!     step that opens one
//!
//! `finish` (init: after `start`, and after the startContainer hooks):
//!  9. no_new_privs, final CPU affinity, umask, default signals
//! 10. the filter and the capability sets, in the order of the table
//! 11. execve
//!
//! The calls whose order matters go through `Kernel`, so a unit test can
//! record them and check the order without root (tests below).

use crate::error::{shown, About, Result, SysError, SysResult};
use crate::security::caps::CapMasks;
pub use crate::security::user::UserIds;
use std::ffi::{CStr, CString};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// What the process becomes, compiled in the parent: plain data.
#[derive(Debug, Clone, Default)]
pub struct Handoff {
    pub user: UserIds,
    pub umask: u32,
    pub caps: CapMasks,
    pub no_new_privs: bool,
    /// A seccomp filter is to be loaded (the program itself is `Real`'s).
    pub seccomp: bool,
    pub cwd: PathBuf,
    pub args: Vec<CString>,
    pub env: Vec<CString>,
    /// PATH as the process's env has it, for the program lookup.
    pub path_var: String,
    pub personality: Option<libc::c_ulong>,
    /// process.execCPUAffinity.final.
    pub final_cpus: Option<Vec<usize>>,
    pub preserve_fds: u32,
    /// (dev, inode) of the berth binary, which must never be exec'd.
    pub self_exe: Option<(u64, u64)>,
}

impl Handoff {
    /// True when the filter must be loaded before the capability sets are
    /// set: without no_new_privs, seccomp(2) needs CAP_SYS_ADMIN, and the
    /// process keeps it only if its effective set does.
    pub fn filter_before_caps(&self) -> bool {
        let sys_admin = 1u64 << ::caps::Capability::CAP_SYS_ADMIN.index();
        self.seccomp && !self.no_new_privs && self.caps.effective & sys_admin == 0
    }
}

/// The calls whose order matters, one method each.
pub trait Kernel {
    fn chdir(&mut self, dir: &Path) -> nix::Result<()>;
    /// getcwd(2) names a path inside the root (a cwd outside it, through an
    /// fd or mount trick, reads "(unreachable)").
    fn cwd_is_inside_root(&mut self) -> Result<bool>;
    fn drop_bounding(&mut self, keep: u64) -> Result<()>;
    fn switch_user(&mut self, user: &UserIds) -> Result<()>;
    fn find_program(&mut self, h: &Handoff) -> Result<CString>;
    fn set_personality(&mut self, persona: libc::c_ulong) -> Result<()>;
    fn raise_ambient(&mut self, inheritable: u64, ambient: u64) -> Result<()>;
    fn mark_fds_cloexec(&mut self, first: u32) -> Result<()>;
    fn set_no_new_privs(&mut self) -> Result<()>;
    fn set_cpu_affinity(&mut self, cpus: &[usize]) -> Result<()>;
    fn set_umask(&mut self, mask: u32);
    fn reset_signals(&mut self);
    fn load_seccomp(&mut self) -> Result<()>;
    fn set_caps(&mut self, caps: &CapMasks) -> Result<()>;
    fn execve(&mut self, program: &CStr, args: &[CString], env: &[CString]) -> crate::Error;
}

/// Steps 1-8. Returns the program found.
pub fn prepare(h: &Handoff, k: &mut impl Kernel) -> Result<CString> {
    let cwd_error = |e: nix::Error| crate::Error::field("process.cwd", SysError::new("chdir", Some(&h.cwd), e));
    let entered = match k.chdir(&h.cwd) {
        Ok(()) => true,
        Err(nix::errno::Errno::EACCES | nix::errno::Errno::EPERM) => false,
        Err(e) => return Err(cwd_error(e)),
    };
    k.drop_bounding(h.caps.bounding)?;
    k.switch_user(&h.user)?;
    if !entered {
        k.chdir(&h.cwd).map_err(cwd_error)?;
    }
    if !k.cwd_is_inside_root()? {
        let why = format!("{} resolves outside the container root", shown(&h.cwd));
        return Err(crate::Error::field("process.cwd", why));
    }
    let program = k.find_program(h)?;
    if let Some(p) = h.personality {
        k.set_personality(p)?;
    }
    k.raise_ambient(h.caps.inheritable, h.caps.ambient)?;
    k.mark_fds_cloexec(3 + h.preserve_fds)?;
    Ok(program)
}

/// Steps 9-11 for the container's program.
pub fn finish(h: &Handoff, program: &CStr, k: &mut impl Kernel) -> crate::Error {
    finish_with(h, program, &h.args, &h.env, k)
}

/// Steps 9-11 for another program that must run exactly as the container's
/// would (a startContainer hook).
pub fn finish_with(
    h: &Handoff,
    program: &CStr,
    args: &[CString],
    env: &[CString],
    k: &mut impl Kernel,
) -> crate::Error {
    match before_exec(h, k) {
        Ok(()) => k.execve(program, args, env),
        Err(e) => e,
    }
}

fn before_exec(h: &Handoff, k: &mut impl Kernel) -> Result<()> {
    if h.no_new_privs {
        k.set_no_new_privs()?;
    }
    if let Some(cpus) = &h.final_cpus {
        k.set_cpu_affinity(cpus)?;
    }
    k.set_umask(h.umask);
    k.reset_signals();
    if h.filter_before_caps() {
        k.load_seccomp()?;
        k.set_caps(&h.caps)
    } else {
        k.set_caps(&h.caps)?;
        if h.seccomp {
            k.load_seccomp()?;
        }
        Ok(())
    }
}

/// The kernel itself. It holds what loading the filter needs, prepared
/// beforehand: after the filter, nothing is built that could need a call.
pub struct Real<'a> {
    pub seccomp: Option<&'a crate::security::seccomp::Program>,
    /// Connected to linux.seccomp.listenerPath, for a NOTIFY profile.
    pub agent: Option<&'a OwnedFd>,
    /// The runtime-spec's container process state, sent with the listener.
    pub agent_msg: &'a [u8],
}

impl Kernel for Real<'_> {
    fn chdir(&mut self, dir: &Path) -> nix::Result<()> {
        nix::unistd::chdir(dir)
    }

    fn cwd_is_inside_root(&mut self) -> Result<bool> {
        let now = nix::unistd::getcwd().sys("getcwd").field("process.cwd")?;
        Ok(now.is_absolute())
    }

    fn drop_bounding(&mut self, keep: u64) -> Result<()> {
        crate::security::caps::drop_bounding(keep)
    }

    fn switch_user(&mut self, user: &UserIds) -> Result<()> {
        crate::security::user::switch(user)
    }

    fn find_program(&mut self, h: &Handoff) -> Result<CString> {
        let program = super::program::find(&h.args[0], &h.path_var)?;
        let path = Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(program.as_bytes()));
        super::protect::refuse_runtime_binary(path, h.self_exe)?;
        Ok(program)
    }

    fn set_personality(&mut self, persona: libc::c_ulong) -> Result<()> {
        crate::security::process_attrs::personality(persona)
    }

    fn raise_ambient(&mut self, inheritable: u64, ambient: u64) -> Result<()> {
        crate::security::caps::raise_ambient(inheritable, ambient)
    }

    fn mark_fds_cloexec(&mut self, first: u32) -> Result<()> {
        crate::sys::cloexec_from(first).sys("close_range")
    }

    fn set_no_new_privs(&mut self) -> Result<()> {
        crate::security::process_attrs::no_new_privs()
    }

    fn set_cpu_affinity(&mut self, cpus: &[usize]) -> Result<()> {
        crate::security::process_attrs::cpu_affinity(cpus, "process.execCPUAffinity.final")
    }

    fn set_umask(&mut self, mask: u32) {
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(mask));
    }

    fn reset_signals(&mut self) {
        crate::sys::reset_signals();
    }

    fn load_seccomp(&mut self) -> Result<()> {
        let Some(program) = self.seccomp else { return Ok(()) };
        let Some(listener) = crate::security::seccomp::install(program)? else { return Ok(()) };
        const FIELD: &str = "linux.seccomp.listenerPath";
        let Some(agent) = self.agent else { return Err(crate::Error::field(FIELD, "no agent connection")) };
        super::console::send_fd(agent, &listener, self.agent_msg).sys("sendmsg (seccomp listener)").field(FIELD)
    }

    fn set_caps(&mut self, caps: &CapMasks) -> Result<()> {
        crate::security::caps::set_sets(caps)
    }

    fn execve(&mut self, program: &CStr, args: &[CString], env: &[CString]) -> crate::Error {
        let e = match nix::unistd::execve(program, args, env) {
            Err(e) => e,
            Ok(never) => match never {},
        };
        super::Error::Exec { program: program.to_string_lossy().into_owned(), os: e.into() }.into()
    }
}

#[cfg(test)]
mod tests;
