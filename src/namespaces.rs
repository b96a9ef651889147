//! Entering the container's namespaces from inside init, in the order that
//! gives each step the privileges it needs: join (user first), unshare what
//! the clone could not create, time offsets, then a fork for a new pid
//! namespace when the clone did not make one.

use crate::error::{About, Result, SysResult};
use crate::spec::plan::NamespacePlan;
use crate::spec::validate::ns_name;
use nix::sched::{setns, unshare, CloneFlags};
use nix::unistd::{fork, ForkResult};
use oci_spec::runtime::LinuxNamespaceType;
use std::path::Path;

/// What entering needs from the parent, over whatever channel init has.
pub trait Parent {
    /// Asks the parent to write the id maps of the user namespace just
    /// unshared, and waits until it has.
    fn map_user_ns(&self) -> Result<()>;
    /// Tells the parent the pid of the init forked into a new pid namespace.
    fn forked(&self, pid: i32);
}

pub fn enter(ns: &NamespacePlan, parent: &dyn Parent) -> Result<()> {
    for (typ, fd, i) in &ns.joins {
        setns(fd, CloneFlags::empty())
            .sys(&format!("setns ({} namespace)", ns_name(*typ)))
            .with_field(|| format!("linux.namespaces[{i}].path"))?;
    }
    if ns.unshare_user {
        unshare(CloneFlags::CLONE_NEWUSER).sys("unshare (user namespace)")?;
        parent.map_user_ns()?;
    }
    if ns.in_user_ns() {
        become_root_in_userns()?;
    }
    let rest = ns.unshare_flags;
    if !rest.is_empty() {
        unshare(rest - CloneFlags::CLONE_NEWPID).sys(&format!("unshare ({rest:?})"))?;
    }
    if ns.new_time {
        enter_new_time_ns(ns.time_offsets.as_deref())?;
    }
    if ns.fork_for_pid {
        unshare(CloneFlags::CLONE_NEWPID).sys("unshare (pid namespace)")?;
        // SAFETY: single-threaded; the child continues as init, the parent only
        // reports the child's pid and exits with _exit.
        match unsafe { fork() }.sys("fork (into the new pid namespace)")? {
            ForkResult::Child => {}
            ForkResult::Parent { child } => {
                parent.forked(child.as_raw());
                // SAFETY: _exit skips destructors that belong to the process we forked from.
                unsafe { libc::_exit(0) }
            }
        }
    }
    Ok(())
}

/// After entering a user namespace we still carry our host ids, which are
/// not mapped there: switch to the namespace's root so files we create get
/// owners that exist inside.
fn become_root_in_userns() -> Result<()> {
    let root_g = nix::unistd::Gid::from_raw(0);
    let root_u = nix::unistd::Uid::from_raw(0);
    nix::unistd::setresgid(root_g, root_g, root_g).sys("setgid 0 in the user namespace (is gid 0 mapped?)")?;
    nix::unistd::setresuid(root_u, root_u, root_u).sys("setuid 0 in the user namespace (is uid 0 mapped?)")
}

/// A new time namespace takes its offsets before any process is in it, so it
/// is unshared (which only affects children), given offsets, then entered.
fn enter_new_time_ns(offsets: Option<&str>) -> Result<()> {
    unshare(CloneFlags::from_bits_retain(libc::CLONE_NEWTIME)).sys("unshare (time namespace)")?;
    if let Some(text) = offsets {
        let proc = crate::sys::procfs::ProcFs::open().field("linux.timeOffsets")?;
        let pid = std::process::id() as i32;
        proc.write_pid(pid, "timens_offsets", text.as_bytes()).field("linux.timeOffsets")?;
    }
    let path = Path::new("/proc/self/ns/time_for_children");
    let f = std::fs::File::open(path).sys_at("open", path)?;
    setns(f, CloneFlags::from_bits_retain(libc::CLONE_NEWTIME)).sys_at("setns", path)
}

pub fn flag_of(t: LinuxNamespaceType) -> i32 {
    crate::spec::ns_kind::of(t).clone_flag
}
