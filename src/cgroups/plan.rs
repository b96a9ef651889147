//! A new container's cgroups, planned as part of its `LaunchPlan`: the
//! layout, the path, the hierarchies a rootless user may use, and every
//! write, all before any side effect.

use super::{Layout, Plan};
use crate::error::Result;
use std::path::PathBuf;

/// A new container's cgroups, decided before any exists: where (each
/// hierarchy of `layout`, at `rel` from its root) and what is written
/// there. `create` makes them and runs `writes` once side effects may
/// start; nothing is worked out twice.
#[derive(Debug)]
pub struct CgroupPlan {
    pub layout: Layout,
    pub rel: PathBuf,
    pub writes: Plan,
}

/// Plans the cgroups at `rel` (relative to each hierarchy's root) for the
/// resources `r`. Rootless, only the hierarchies delegated to the user are
/// used, and `r` loses what none of them can hold (`super::rootless::settable`).
pub fn plan(rel: PathBuf, r: &mut oci_spec::runtime::LinuxResources, rootless: bool) -> Result<CgroupPlan> {
    let mut layout = super::detect()?;
    if rootless {
        layout = super::rootless::delegated(&layout, &rel);
        super::rootless::settable(&layout, &rel, r)?;
    }
    super::existing::check(&layout, &rel)?;
    let writes = super::compile(&layout, &rel, Some(r), !rootless)?;
    Ok(CgroupPlan { layout, rel, writes })
}
