//! `spec`: a starting config.json, as runc writes it.

use crate::cli::{GlobalOpts, SpecArgs};
use anyhow::{anyhow, bail, Result};
use oci_spec::runtime::Spec;

pub fn run(_g: &GlobalOpts, a: &SpecArgs) -> Result<i32> {
    let path = a.bundle.join("config.json");
    if path.exists() {
        bail!("{}: exists already; remove it first", path.display());
    }
    let spec = if a.rootless {
        Spec::rootless(nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw())
    } else {
        Spec::default()
    };
    let text = serde_json::to_string_pretty(&spec)?;
    std::fs::write(&path, text + "\n").map_err(|e| anyhow!("write {}: {e}", path.display()))?;
    Ok(0)
}
