//! uid/gid maps of a new user namespace, written by the parent (which holds
//! the privileges on the host side).

use anyhow::{anyhow, Result};
use oci_spec::runtime::LinuxIdMapping;

pub fn map_text(maps: &[LinuxIdMapping]) -> String {
    maps.iter().map(|m| format!("{} {} {}\n", m.container_id(), m.host_id(), m.size())).collect()
}

pub fn write_maps(pid: i32, uid: &[LinuxIdMapping], gid: &[LinuxIdMapping]) -> Result<()> {
    std::fs::write(format!("/proc/{pid}/uid_map"), map_text(uid)).map_err(|e| anyhow!("linux.uidMappings: write uid_map: {e}"))?;
    std::fs::write(format!("/proc/{pid}/gid_map"), map_text(gid)).map_err(|e| anyhow!("linux.gidMappings: write gid_map: {e}"))
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
