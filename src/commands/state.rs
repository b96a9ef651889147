//! `state`: the OCI state document.

use crate::cli::{GlobalOpts, IdArg};
use crate::error::Result;

pub fn run(g: &GlobalOpts, a: &IdArg) -> Result<i32> {
    let state = crate::state::load(&g.root, &a.id)?;
    // A JSON value always has its text: `{:#}` is serde_json's pretty form.
    println!("{:#}", state.oci_json());
    Ok(0)
}
