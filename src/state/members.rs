//! The processes of a container: those in its cgroup, or for a container
//! that has none (rootless, with no cgroup delegated to its user), those in
//! its init's pid namespace. A container sharing the host's pid namespace
//! and without a cgroup is init and its descendants.

use super::State;
use crate::error::Result;
use std::os::unix::fs::MetadataExt;

pub fn pids(state: &State) -> Result<Vec<i32>> {
    if !state.cgroups.dirs.is_empty() {
        return crate::cgroups::pids(&state.cgroups);
    }
    if !state.alive() {
        return Ok(vec![]);
    }
    let all = host_pids();
    Ok(if state.own_pid_ns {
        let ns = |pid: i32| std::fs::metadata(format!("/proc/{pid}/ns/pid")).ok().map(|m| (m.dev(), m.ino()));
        let Some(init) = ns(state.pid) else { return Ok(vec![]) };
        all.into_iter().filter(|&p| ns(p) == Some(init)).collect()
    } else {
        descendants(state.pid, &all)
    })
}

/// Every process of the container (see `cgroups::signal_all`: cgroup.kill
/// on v2, else pid by pid under the freezer). Without a cgroup they are
/// found as `pids` finds them and signalled with no freezer to hold them
/// still; with a shared pid namespace, call this while init lives, since
/// its descendants are found through it.
pub fn signal_all(state: &State, sig: i32) -> Result<()> {
    if state.cgroups.dirs.is_empty() {
        crate::sys::signal_each(&pids(state)?, sig);
        return Ok(());
    }
    crate::cgroups::signal_all(&state.cgroups, sig)
}

/// Every process /proc lists, by pid.
fn host_pids() -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return vec![] };
    entries.flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect()
}

/// `root` and every process below it, found through each one's parent pid.
fn descendants(root: i32, all: &[i32]) -> Vec<i32> {
    let parents: Vec<(i32, i32)> = all.iter().filter_map(|&p| Some((p, parent(p)?))).collect();
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let of = out[i];
        out.extend(parents.iter().filter(|(_, pp)| *pp == of).map(|(p, _)| *p));
        i += 1;
    }
    out
}

fn parent(pid: i32) -> Option<i32> {
    crate::sys::ProcStat::read(pid).ok().map(|s| s.ppid)
}

#[cfg(test)]
mod tests {
    #[test]
    fn our_children_are_our_descendants() {
        let me = std::process::id() as i32;
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let found = super::descendants(me, &super::host_pids());
        let _ = child.kill();
        let _ = child.wait();
        assert!(found.contains(&me) && found.contains(&(child.id() as i32)), "{found:?}");
    }
}
