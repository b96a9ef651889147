//! The last steps of every process berth starts in a container, init and
//! `exec` alike: become the configured user with exactly its capabilities,
//! then exec with no_new_privs and seccomp as late as they can go.

use crate::error::ExitError;
use crate::security::{caps, process_attrs, user};
use crate::spec::plan::ExecPlan;
use anyhow::{anyhow, bail, Result};
use oci_spec::runtime::Process;
use std::ffi::CString;
use std::path::Path;

/// What the process becomes; all of it decided in the parent.
pub struct Identity<'a> {
    pub process: &'a Process,
    pub exec: &'a ExecPlan,
    pub caps: &'a caps::CapMasks,
    pub has_seccomp: bool,
    pub personality: Option<libc::c_ulong>,
    pub preserve_fds: u32,
    /// (dev, inode) of the berth binary, which must never be exec'd.
    pub self_exe: Option<(u64, u64)>,
}

impl Identity<'_> {
    /// True when the filter must go in before capabilities are dropped:
    /// without no_new_privs, seccomp(2) needs CAP_SYS_ADMIN, and the process
    /// keeps it only if the config grants it.
    pub fn seccomp_before_caps(&self) -> bool {
        let sys_admin = 1u64 << ::caps::Capability::CAP_SYS_ADMIN.index();
        self.has_seccomp && !self.process.no_new_privileges().unwrap_or(false) && self.caps.effective & sys_admin == 0
    }

    /// Bounding set, user, capability sets, cwd; then finds the program (so
    /// a missing one is reported before `create` returns) and marks every fd
    /// but stdio and the preserved ones close-on-exec, last, after everything
    /// that opens fds.
    pub fn become_user(&self, install_seccomp: &mut dyn FnMut() -> Result<()>) -> Result<CString> {
        if self.seccomp_before_caps() {
            install_seccomp()?;
        }
        caps::drop_bounding(self.caps)?;
        user::switch(self.process.user())?;
        caps::apply_sets(self.caps)?;
        enter_cwd(&self.exec.cwd)?;
        let program = super::exec::find(&self.exec.args[0], &self.exec.path_var)?;
        super::protect::refuse_runtime_binary(Path::new(program.to_str().unwrap_or_default()), self.self_exe)?;
        process_attrs::personality(self.personality)?;
        crate::sys::cloexec_from(3 + self.preserve_fds).map_err(|e| anyhow!("close_range: {e}"))?;
        Ok(program)
    }

    /// no_new_privs, final CPU affinity, umask, seccomp (as close to execve
    /// as we can: nothing after it may be denied), default signals, execve.
    pub fn exec(
        &self,
        program: &CString,
        install_seccomp: &mut dyn FnMut() -> Result<()>,
    ) -> Result<std::convert::Infallible> {
        if self.process.no_new_privileges().unwrap_or(false) {
            process_attrs::no_new_privs()?;
        }
        let affinity = self.process.exec_cpu_affinity().as_ref();
        process_attrs::cpu_affinity(
            affinity.and_then(|a| a.cpu_affinity_final().as_ref()),
            "process.execCPUAffinity.final",
        )?;
        let umask = self.process.user().umask().unwrap_or(0o022);
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(umask));
        if !self.seccomp_before_caps() {
            install_seccomp()?;
        }
        crate::sys::reset_signals();
        let e = nix::unistd::execve(program, &self.exec.args, &self.exec.env).unwrap_err();
        let code = if e == nix::errno::Errno::ENOENT { 127 } else { 126 };
        Err(ExitError::new(code, format!("exec {program:?}: {e}")).into())
    }
}

fn enter_cwd(cwd: &Path) -> Result<()> {
    nix::unistd::chdir(cwd).map_err(|e| anyhow!("process.cwd: chdir {}: {e}", cwd.display()))?;
    // A cwd outside the new root (an fd or mount trick) shows as "(unreachable)".
    let now = nix::unistd::getcwd().map_err(|e| anyhow!("process.cwd: getcwd: {e}"))?;
    if !now.is_absolute() {
        bail!("process.cwd: {} resolves outside the container root", cwd.display());
    }
    Ok(())
}

/// Installs the filter; a NOTIFY profile's listener fd goes to the seccomp
/// agent with `msg` (the runtime-spec's container process state) as payload.
pub fn install_seccomp(
    program: &crate::security::seccomp::Program,
    agent: Option<&std::os::fd::OwnedFd>,
    msg: serde_json::Value,
) -> Result<()> {
    let Some(listener) = crate::security::seccomp::install(program)? else { return Ok(()) };
    let Some(agent) = agent else { bail!("linux.seccomp.listenerPath: no agent connection") };
    super::console::send_fd(agent, &listener, msg.to_string().as_bytes())
        .map_err(|e| anyhow!("linux.seccomp.listenerPath: send listener: {e:#}"))
}
