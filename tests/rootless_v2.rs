//! Rootless on cgroup v2 with a delegated subtree (issue 12): an ordinary
//! user given a cgroup of its own (chowned to it, as systemd delegates
//! user@UID.service) gets its container's limits set inside it; outside
//! it, the memory and pids limits are refused.
//!
//! This host is hybrid, so `make test-v2` runs these in vmrun's pure v2
//! guest. Elsewhere each test says it is skipped and returns.
mod common;
use common::rootless::{userns_allowed, User};
use common::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

fn v2_host() -> bool {
    let v2 = Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    if !v2 {
        eprintln!("SKIP: not a pure cgroup v2 host (make test-v2 runs this in a guest)");
    }
    v2 && userns_allowed()
}

/// A cgroup delegated to `u` as systemd delegates one: the directory and
/// its cgroup.procs, cgroup.subtree_control and cgroup.threads are the
/// user's. `launch` below it is where the user's berth runs from, since
/// moving a process needs write access to the common ancestor.
struct Delegated {
    dir: PathBuf,
    launch: PathBuf,
}

impl Delegated {
    fn new(u: &User) -> Delegated {
        let root = Path::new("/sys/fs/cgroup");
        let _ = std::fs::write(root.join("cgroup.subtree_control"), "+memory +pids");
        let dir = root.join(unique("berth-delegated"));
        let launch = dir.join("launch");
        for d in [&dir, &launch] {
            std::fs::create_dir(d).unwrap();
            for f in ["", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads"] {
                std::os::unix::fs::chown(d.join(f), Some(u.uid), Some(u.gid)).unwrap();
            }
        }
        Delegated { dir, launch }
    }

    /// The cgroupsPath of `name` below the delegated directory.
    fn path(&self, name: &str) -> String {
        format!("/{}/{name}", self.dir.file_name().unwrap().to_str().unwrap())
    }
}

impl Drop for Delegated {
    fn drop(&mut self) {
        for d in [&self.launch, &self.dir] {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// `berth <args>` as `u`, from the delegated `launch` cgroup.
fn berth_from(u: &User, d: &Delegated, b: &Bundle, args: &[&str]) -> std::process::Output {
    b.write_config();
    let inner = u.berth();
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "echo $$ > \"$0\"/cgroup.procs && exec \"$@\""])
        .arg(&d.launch)
        .arg(inner.get_program())
        .args(inner.get_args())
        .args(args)
        .env_clear()
        .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))));
    output_via_files(cmd, b.path())
}

#[test]
fn limits_are_set_inside_the_users_delegated_cgroup() {
    if !v2_host() {
        return;
    }
    let u = User::get("berth-rl-v2");
    let d = Delegated::new(&u);
    let mut b = u.bundle("rl-v2");
    let path = d.path("c1");
    b.config["linux"]["cgroupsPath"] = json!(path);
    b.config["linux"]["resources"] = json!({"memory": {"limit": 67108864}, "pids": {"limit": 32}});
    b.args(&["sleep", "60"]);
    let bundle = b.path().to_str().unwrap().to_string();
    assert_ok(&berth_from(&u, &d, &b, &["run", "-d", "--bundle", &bundle, &b.id]), "run -d rootless");
    let cg = Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/'));
    let read = |f: &str| std::fs::read_to_string(cg.join(f)).unwrap().trim().to_string();
    assert_eq!(read("memory.max"), "67108864");
    assert_eq!(read("pids.max"), "32");
    let out = berth_from(&u, &d, &b, &["state", &b.id]);
    let pid = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["pid"].to_string();
    assert_eq!(std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap().trim(), format!("0::{path}"));
    // pause works here: the freezer is the delegated cgroup's own.
    assert_ok(&berth_from(&u, &d, &b, &["pause", &b.id]), "pause");
    assert_eq!(read("cgroup.freeze"), "1");
    assert_ok(&berth_from(&u, &d, &b, &["resume", &b.id]), "resume");
    let stats = berth_from(&u, &d, &b, &["events", "--stats", &b.id]);
    assert_ok(&stats, "events --stats");
    assert!(String::from_utf8_lossy(&stats.stdout).contains("\"pids\""), "{}", String::from_utf8_lossy(&stats.stdout));
    assert_ok(&berth_from(&u, &d, &b, &["delete", "--force", &b.id]), "delete --force");
    assert!(!cg.exists(), "the container's cgroup is left");
    u.assert_clean(&b);
}

#[test]
fn outside_the_delegated_cgroup_limits_are_refused() {
    if !v2_host() {
        return;
    }
    let u = User::get("berth-rl-v2");
    let d = Delegated::new(&u);
    let mut b = u.bundle("rl-v2-outside");
    b.config["linux"]["cgroupsPath"] = json!(format!("/{}", unique("berth-not-delegated")));
    b.config["linux"]["resources"] = json!({"memory": {"limit": 67108864}});
    let err = assert_one_line_error(&berth_from(&u, &d, &b, &["run", "--bundle", b.path().to_str().unwrap(), &b.id]));
    assert!(err.contains("linux.resources.memory") && err.contains("rootless"), "{err}");
    u.assert_clean(&b);
}
