//! Tests: `interp` runs programs through a cBPF interpreter written for
//! them; `semantics` checks each part of the model that way, `model` checks
//! random profiles against a direct reading of the rules, `live` installs
//! filters in forked children on the real kernel, `docker` compiles a
//! Docker-sized profile.

mod docker;
mod interp;
mod live;
mod model;
mod semantics;
