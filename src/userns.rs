//! uid/gid maps of a new user namespace, written by the parent (which holds
//! the privileges on the host side).

use crate::error::{About, Result, SysResult};
use crate::sys::procfs::ProcFs;
use oci_spec::runtime::LinuxIdMapping;
use std::path::Path;

pub fn map_text(maps: &[LinuxIdMapping]) -> String {
    maps.iter().map(|m| format!("{} {} {}\n", m.container_id(), m.host_id(), m.size())).collect()
}

/// Through a proc handle of our own (sys/procfs.rs), never by path.
pub fn write_maps(pid: i32, uid: &[LinuxIdMapping], gid: &[LinuxIdMapping]) -> Result<()> {
    let proc = ProcFs::open().field("linux.uidMappings")?;
    let write = |file: &str, maps: &[LinuxIdMapping]| proc.write_pid(pid, file, map_text(maps).as_bytes());
    write("uid_map", uid).field("linux.uidMappings")?;
    write("gid_map", gid).field("linux.gidMappings")
}

/// A user namespace with these maps, as an fd (for idmapped mounts): a
/// throw-away child is cloned into a new user namespace, given the maps, and
/// ended once its namespace is open.
pub fn namespace_fd(uid: &[LinuxIdMapping], gid: &[LinuxIdMapping]) -> Result<std::os::fd::OwnedFd> {
    use crate::sys::{clone_process, Forked};
    let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).sys("pipe2")?;
    match clone_process(libc::CLONE_NEWUSER as u64, None).sys("clone (idmap user namespace)")? {
        Forked::Child => {
            drop(write);
            // Block until the parent has what it needs and closes the pipe.
            let _ = nix::unistd::read(&read, &mut [0u8; 1]);
            // SAFETY: leave the cloned child without running the parent's destructors.
            unsafe { libc::_exit(0) }
        }
        Forked::Parent { pid, .. } => {
            drop(read);
            let result = write_maps(pid, uid, gid).and_then(|()| {
                let path = format!("/proc/{pid}/ns/user");
                std::fs::File::open(&path).map(Into::into).sys_at("open", Path::new(&path))
            });
            drop(write);
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
}
