//! `state`: the OCI state document.

use crate::cli::{GlobalOpts, IdArg};
use anyhow::Result;

pub fn run(g: &GlobalOpts, a: &IdArg) -> Result<i32> {
    let state = crate::state::load(&g.root, &a.id)?;
    println!("{}", serde_json::to_string_pretty(&state.oci_json())?);
    Ok(0)
}
