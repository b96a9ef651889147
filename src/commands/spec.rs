//! `spec`: a starting config.json, as runc writes it.

use crate::cli::{GlobalOpts, SpecArgs};
use anyhow::{anyhow, bail, Result};

pub fn run(_g: &GlobalOpts, a: &SpecArgs) -> Result<i32> {
    let path = a.bundle.join("config.json");
    if path.exists() {
        bail!("{}: exists already; remove it first", path.display());
    }
    let cgroup2_only = crate::cgroups::detect().is_ok_and(|l| matches!(l.kind, crate::cgroups::Kind::Unified));
    let spec = if a.rootless {
        let (uid, gid) = (nix::unistd::geteuid().as_raw(), nix::unistd::getegid().as_raw());
        crate::spec::default::rootless(uid, gid, cgroup2_only)
    } else {
        crate::spec::default::privileged(cgroup2_only)
    };
    let text = serde_json::to_string_pretty(&spec)?;
    std::fs::write(&path, text + "\n").map_err(|e| anyhow!("write {}: {e}", path.display()))?;
    Ok(0)
}
