//! `spec`: a starting config.json, as runc writes it.

use crate::cli::{GlobalOpts, SpecArgs};
use crate::error::{Result, SysResult};

pub fn run(_g: &GlobalOpts, a: &SpecArgs) -> Result<i32> {
    let path = a.bundle.join("config.json");
    if path.exists() {
        return Err(crate::Error::path(&path, "exists already; remove it first"));
    }
    let cgroup2_only = crate::cgroups::detect().is_ok_and(|l| matches!(l.kind, crate::cgroups::Kind::Unified));
    let spec = if a.rootless {
        let (uid, gid) = (nix::unistd::geteuid().as_raw(), nix::unistd::getegid().as_raw());
        crate::spec::default::rootless(uid, gid, cgroup2_only)
    } else {
        crate::spec::default::privileged(cgroup2_only)
    };
    let text = serde_json::to_string_pretty(&spec).map_err(|e| crate::Error::path(&path, e.to_string()))?;
    std::fs::write(&path, text + "\n").sys_at("write", &path)?;
    Ok(0)
}
