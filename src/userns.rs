//! uid/gid maps of a new user namespace, written by the parent, on the host
//! side.
//!
//! The kernel lets a process write a child's map when it holds CAP_SETUID
//! (CAP_SETGID) over the parent namespace, or when the map is one line
//! naming only its own id; an unprivileged writer of a gid map must also
//! deny setgroups(2) first. Anything else an ordinary user may map comes
//! from /etc/subuid and /etc/subgid, through the setuid helpers newuidmap
//! and newgidmap (Debian's uidmap package), which check those files. So
//! `compile` decides, before any side effect, who writes each map, and
//! refuses what neither could (a range outside the user's subordinate ids,
//! a helper that is not installed).

use crate::error::{About, Result, SysResult};
use crate::sys::procfs::ProcFs;
use oci_spec::runtime::LinuxIdMapping;
use std::path::{Path, PathBuf};

pub fn map_text(maps: &[LinuxIdMapping]) -> String {
    maps.iter().map(|m| format!("{} {} {}\n", m.container_id(), m.host_id(), m.size())).collect()
}

/// Who writes one map of a new user namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writer {
    /// berth, through its procfs handle: as root, or one line of its own id.
    Direct,
    /// newuidmap or newgidmap, found on PATH.
    Helper(PathBuf),
}

/// The maps of a new user namespace and how they get written.
#[derive(Debug, Clone)]
pub struct IdMaps {
    pub uid: Vec<LinuxIdMapping>,
    pub gid: Vec<LinuxIdMapping>,
    pub uid_writer: Writer,
    pub gid_writer: Writer,
    /// "deny" goes into setgroups before we write the gid map ourselves
    /// without CAP_SETGID: the kernel requires it.
    pub deny_setgroups: bool,
}

/// One kind of id: its spec field, /proc file, helper and subordinate ids.
struct Kind {
    field: &'static str,
    file: &'static str,
    helper: &'static str,
    subids: &'static str,
    own: u32,
}

impl Kind {
    fn uid() -> Kind {
        Kind {
            field: "linux.uidMappings",
            file: "uid_map",
            helper: "newuidmap",
            subids: "/etc/subuid",
            own: nix::unistd::geteuid().as_raw(),
        }
    }

    fn gid() -> Kind {
        Kind {
            field: "linux.gidMappings",
            file: "gid_map",
            helper: "newgidmap",
            subids: "/etc/subgid",
            own: nix::unistd::getegid().as_raw(),
        }
    }
}

/// Decides who writes each map, before anything is made. `additional_gids`
/// are the process's: with setgroups denied it could not take them.
pub fn compile(uid: &[LinuxIdMapping], gid: &[LinuxIdMapping], additional_gids: &[u32]) -> Result<IdMaps> {
    let privileged = nix::unistd::geteuid().is_root();
    let uid_writer = writer(uid, &Kind::uid(), privileged)?;
    let gid_writer = writer(gid, &Kind::gid(), privileged)?;
    let deny_setgroups = !privileged && gid_writer == Writer::Direct;
    if deny_setgroups && !additional_gids.is_empty() {
        return Err(crate::Error::field(
            "process.user.additionalGids",
            "cannot be set: mapping only your own gid, a rootless container has setgroups denied \
             (map a range from /etc/subgid instead)",
        ));
    }
    Ok(IdMaps { uid: uid.to_vec(), gid: gid.to_vec(), uid_writer, gid_writer, deny_setgroups })
}

fn writer(maps: &[LinuxIdMapping], kind: &Kind, privileged: bool) -> Result<Writer> {
    let own_only = matches!(maps, [m] if m.host_id() == kind.own && m.size() == 1);
    if privileged || own_only {
        return Ok(Writer::Direct);
    }
    let ranges = subordinate_ids(kind)?;
    for (i, m) in maps.iter().enumerate() {
        let (start, end) = (u64::from(m.host_id()), u64::from(m.host_id()) + u64::from(m.size()));
        let own = m.size() == 1 && m.host_id() == kind.own;
        if !own && !ranges.iter().any(|&(s, n)| start >= s && end <= s + n) {
            let given = ranges.iter().map(|(s, n)| format!("{s}-{}", s + n - 1)).collect::<Vec<_>>().join(", ");
            return Err(crate::Error::field(
                format!("{}[{i}]", kind.field),
                format!(
                    "host ids {start}-{} are neither your own id {} nor among the subordinate ids {} gives you ({})",
                    end.saturating_sub(1),
                    kind.own,
                    kind.subids,
                    if given.is_empty() { "none".to_string() } else { given }
                ),
            ));
        }
    }
    match find_on_path(kind.helper) {
        Some(path) => Ok(Writer::Helper(path)),
        None => Err(crate::Error::field(
            kind.field,
            format!(
                "mapping ids other than your own ({}) needs {} (Debian's uidmap package), which is not on PATH",
                kind.own, kind.helper
            ),
        )),
    }
}

/// Our subordinate id ranges, (start, count), from /etc/subuid or
/// /etc/subgid: lines `NAME:START:COUNT`, NAME a user name or a number.
fn subordinate_ids(kind: &Kind) -> Result<Vec<(u64, u64)>> {
    let text = match std::fs::read_to_string(kind.subids) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).sys_at("read", Path::new(kind.subids)).field(kind.field),
    };
    let name = nix::unistd::User::from_uid(nix::unistd::geteuid()).ok().flatten().map(|u| u.name);
    Ok(parse_subids(&text, name.as_deref(), nix::unistd::geteuid().as_raw()))
}

fn parse_subids(text: &str, name: Option<&str>, uid: u32) -> Vec<(u64, u64)> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.trim().splitn(3, ':');
            let (who, start, count) = (f.next()?, f.next()?, f.next()?);
            let ours = Some(who) == name || who.parse::<u32>().ok() == Some(uid);
            Some((start.parse().ok()?, count.parse().ok()?)).filter(|_| ours)
        })
        .collect()
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// Writes the maps of `pid`'s new user namespace: uid, then (with
/// setgroups denied first where the kernel wants it) gid.
pub fn write(pid: i32, maps: &IdMaps) -> Result<()> {
    let mut proc = None;
    match &maps.uid_writer {
        Writer::Direct => {
            opened(&mut proc)?.write_pid(pid, "uid_map", map_text(&maps.uid).as_bytes()).field(Kind::uid().field)?
        }
        Writer::Helper(helper) => run_helper(helper, pid, &maps.uid, &Kind::uid())?,
    }
    match &maps.gid_writer {
        Writer::Direct => {
            let proc = opened(&mut proc)?;
            if maps.deny_setgroups {
                proc.write_pid(pid, "setgroups", b"deny").field(Kind::gid().field)?;
            }
            proc.write_pid(pid, "gid_map", map_text(&maps.gid).as_bytes()).field(Kind::gid().field)
        }
        Writer::Helper(helper) => run_helper(helper, pid, &maps.gid, &Kind::gid()),
    }
}

/// One handle on /proc for both maps, opened when first needed (opening
/// one is a mount of its own).
fn opened(proc: &mut Option<ProcFs>) -> Result<&ProcFs> {
    if let Some(open) = proc.take() {
        return Ok(proc.insert(open));
    }
    Ok(proc.insert(ProcFs::open().field("linux.uidMappings")?))
}

/// `newuidmap PID ID HOSTID COUNT...`, with no environment of ours.
fn run_helper(helper: &Path, pid: i32, maps: &[LinuxIdMapping], kind: &Kind) -> Result<()> {
    let mut args = vec![pid.to_string()];
    for m in maps {
        args.extend([m.container_id().to_string(), m.host_id().to_string(), m.size().to_string()]);
    }
    let out = std::process::Command::new(helper)
        .args(&args)
        .env_clear()
        .stdin(std::process::Stdio::null())
        .output()
        .sys_at("exec", helper)
        .field(kind.field)?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    let said = said.trim();
    Err(crate::Error::field(
        kind.field,
        crate::Error::path(
            helper,
            format!(
                "{} writing /proc/{pid}/{}: {}",
                out.status,
                kind.file,
                if said.is_empty() { "no message" } else { said }
            ),
        ),
    ))
}

impl IdMaps {
    /// True when an unprivileged parent maps a new user namespace (itself or
    /// through newuidmap): it must reach the child's /proc files.
    pub fn by_unprivileged_parent(&self) -> bool {
        let maps_something = !self.uid.is_empty() || !self.gid.is_empty();
        maps_something && !nix::unistd::geteuid().is_root()
    }

    /// Maps we write ourselves: for a namespace of our own (idmapped
    /// mounts), or none at all.
    pub fn written_by_us(uid: Vec<LinuxIdMapping>, gid: Vec<LinuxIdMapping>) -> IdMaps {
        IdMaps { uid, gid, uid_writer: Writer::Direct, gid_writer: Writer::Direct, deny_setgroups: false }
    }
}

/// A user namespace with these maps, as an fd (for idmapped mounts): a
/// throw-away child is cloned into a new user namespace, given the maps, and
/// ended once its namespace is open.
pub fn namespace_fd(uid: &[LinuxIdMapping], gid: &[LinuxIdMapping]) -> Result<std::os::fd::OwnedFd> {
    use crate::sys::{clone_process, Forked};
    let (read, write_end) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).sys("pipe2")?;
    match clone_process(libc::CLONE_NEWUSER as u64, None).sys("clone (idmap user namespace)")? {
        Forked::Child => {
            drop(write_end);
            // Block until the parent has what it needs and closes the pipe.
            let _ = nix::unistd::read(&read, &mut [0u8; 1]);
            // SAFETY: leave the cloned child without running the parent's destructors.
            unsafe { libc::_exit(0) }
        }
        Forked::Parent { pid, .. } => {
            drop(read);
            let result = write(pid, &IdMaps::written_by_us(uid.to_vec(), gid.to_vec())).and_then(|()| {
                let path = format!("/proc/{pid}/ns/user");
                std::fs::File::open(&path).map(Into::into).sys_at("open", Path::new(&path))
            });
            drop(write_end);
            let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None);
            result
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::LinuxIdMappingBuilder;

    #[test]
    fn formats_one_line_per_range() {
        let m = vec![
            LinuxIdMappingBuilder::default().container_id(0u32).host_id(1000u32).size(1u32).build().unwrap(),
            LinuxIdMappingBuilder::default().container_id(1u32).host_id(100000u32).size(65536u32).build().unwrap(),
        ];
        assert_eq!(map_text(&m), "0 1000 1\n1 100000 65536\n");
    }

    #[test]
    fn subordinate_ids_are_found_by_name_or_number() {
        let text = "alice:100000:65536\n1001:200000:10\nbob:300000:5\nbroken\n";
        assert_eq!(parse_subids(text, Some("alice"), 1001), vec![(100000, 65536), (200000, 10)]);
        assert_eq!(parse_subids(text, None, 7), vec![]);
    }
}
