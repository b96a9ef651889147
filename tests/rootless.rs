//! Rootless mode (issue 12): detection as runc does it, the state directory
//! it implies, and real containers run by an ordinary user (made by
//! integration/rootless-user.sh, with subordinate ids) through setpriv,
//! with no capabilities, checked from inside.
mod common;
use common::rootless::{userns_allowed, User};
use common::*;
use serde_json::json;
use std::process::Command;

const NOBODY: &str = "65534";

fn as_nobody(args: &[&str], xdg: Option<&std::path::Path>) -> std::process::Output {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", berth_bin()]).args(args);
    cmd.env_remove("XDG_RUNTIME_DIR");
    if let Some(x) = xdg {
        cmd.env("XDG_RUNTIME_DIR", x);
    }
    cmd.output().unwrap()
}

fn runtime_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(d.path(), Some(65534), Some(65534)).unwrap();
    d
}

#[test]
fn a_user_keeps_state_under_xdg_runtime_dir() {
    require_root();
    let xdg = runtime_dir();
    let out = as_nobody(&["list", "--format", "json"], Some(xdg.path()));
    assert_ok(&out, "list as nobody");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    // The state dir is made there when a container is made; `list` only
    // reads. An explicit --root still wins.
    let explicit = xdg.path().join("elsewhere");
    let out = as_nobody(&["--root", explicit.to_str().unwrap(), "list"], None);
    assert_ok(&out, "list --root as nobody without XDG_RUNTIME_DIR");
}

#[test]
fn without_xdg_runtime_dir_a_user_is_told_in_one_line() {
    require_root();
    let err = assert_one_line_error(&as_nobody(&["list"], None));
    assert!(err.contains("XDG_RUNTIME_DIR") && err.contains("--root"), "{err}");
    let missing = std::path::Path::new("/nonexistent-xdg");
    let err = assert_one_line_error(&as_nobody(&["state", "x"], Some(missing)));
    assert!(err.contains("XDG_RUNTIME_DIR /nonexistent-xdg"), "{err}");
    // spec and features keep no state and need none of it.
    let dir = runtime_dir();
    assert_ok(&as_nobody(&["spec", "--rootless", "--bundle", dir.path().to_str().unwrap()], None), "spec");
    assert_ok(&as_nobody(&["features"], None), "features");
}

#[test]
fn rootless_false_keeps_the_system_state_dir() {
    require_root();
    // Forced off, a user's berth looks in /run/berth (and finds nothing it
    // may read, or nothing at all): no XDG_RUNTIME_DIR error.
    let out = as_nobody(&["--rootless", "false", "list", "-q"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("XDG_RUNTIME_DIR"), "{err}");
    // And root on the host is not rootless: the default stays /run/berth.
    let out =
        Command::new(berth_bin()).args(["--rootless", "true", "list"]).env_remove("XDG_RUNTIME_DIR").output().unwrap();
    let err = assert_one_line_error(&out);
    assert!(err.contains("XDG_RUNTIME_DIR"), "--rootless true as root must use the user's dir: {err}");
}

/// The user's container: root inside is the user outside, the config's
/// mounts are there, and no capability reaches past its user namespace.
#[test]
fn a_user_runs_a_container_whose_root_is_the_user() {
    if !userns_allowed() {
        return;
    }
    let u = User::get("berth-rl-test");
    let mut b = u.bundle("rl-run");
    let report = u.probe(&mut b, &["report"]);
    assert_eq!((report["uid"].as_u64(), report["gid"].as_u64()), (Some(0), Some(0)), "{report}");
    for point in ["/proc", "/dev", "/dev/pts", "/dev/shm", "/sys"] {
        assert!(mount_at(&report, point).is_some(), "no mount at {point}: {report}");
    }
    // Root inside is the user outside; CAP_MKNOD is not ours outside the
    // user namespace, whatever root holds inside.
    b.args(&["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; mknod /tmp/null c 1 3 && echo MKNOD-OK; true"]);
    let out = u.run(&b);
    assert_ok(&out, "run");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines[0], ["0", &u.uid.to_string(), "1"], "{text}");
    assert_eq!(lines[1], ["0", &u.gid.to_string(), "1"], "{text}");
    assert!(!text.contains("MKNOD-OK"), "mknod worked in a rootless container: {text}");
    u.assert_clean(&b);
}

/// Seen from the host, the container's process is the user's, in a user
/// namespace of its own.
#[test]
fn from_outside_the_process_is_the_users() {
    if !userns_allowed() {
        return;
    }
    let u = User::get("berth-rl-test");
    let mut b = u.bundle("rl-outside");
    b.args(&["sleep", "60"]);
    let bundle = b.path().to_str().unwrap().to_string();
    assert_ok(&u.run_on(&b, &["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
    let state = u.run_on(&b, &["state", &b.id]);
    assert_ok(&state, "state");
    let state: serde_json::Value = serde_json::from_slice(&state.stdout).unwrap();
    let pid = state["pid"].as_i64().unwrap().to_string();
    assert_eq!(state["status"], "running");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(uid_line.split_whitespace().skip(1).all(|x| x == u.uid.to_string()), "{uid_line}");
    assert_ne!(ns_inode(&pid, "user"), ns_inode("self", "user"), "the container shares the host's user namespace");
    // No cgroup on this host's undelegated v1 hierarchies: the caller's.
    assert_eq!(
        std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap(),
        std::fs::read_to_string("/proc/self/cgroup").unwrap()
    );
    assert_ok(&u.run_on(&b, &["delete", "--force", &b.id]), "delete --force");
    u.assert_clean(&b);
}

/// exec, ps, kill, list, state, events and delete work for the user; pause
/// says in one line why it cannot.
#[test]
fn the_verbs_work_for_the_user() {
    if !userns_allowed() {
        return;
    }
    let u = User::get("berth-rl-test");
    let mut b = u.bundle("rl-verbs");
    b.args(&["sleep", "60"]);
    let bundle = b.path().to_str().unwrap().to_string();
    assert_ok(&u.run_on(&b, &["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
    let out = u.run_on(&b, &["exec", &b.id, "sh", "-c", "id -u; cat /proc/self/uid_map"]);
    assert_ok(&out, "exec");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("0\n") && text.contains(&u.uid.to_string()), "{text}");
    let out = u.run_on(&b, &["ps", "--format", "json", &b.id]);
    assert_ok(&out, "ps");
    let pids: Vec<i64> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pids.len(), 1, "ps of a container running sleep: {pids:?}");
    let out = u.run_on(&b, &["list", "-q"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), b.id);
    let err = assert_one_line_error(&u.run_on(&b, &["pause", &b.id]));
    assert!(err.contains("no cgroup") && err.contains("rootless"), "{err}");
    let err = assert_one_line_error(&u.run_on(&b, &["events", "--stats", &b.id]));
    assert!(err.contains("no cgroup"), "{err}");
    assert_ok(&u.run_on(&b, &["kill", "--all", &b.id, "KILL"]), "kill --all");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let out = u.run_on(&b, &["state", &b.id]);
        if String::from_utf8_lossy(&out.stdout).contains("\"stopped\"") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "container did not stop");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_ok(&u.run_on(&b, &["delete", &b.id]), "delete");
    u.assert_clean(&b);
}

/// Without a cgroup and without a pid namespace of its own, a container's
/// processes are init and its descendants: `delete --force` ends them all,
/// not only init.
#[test]
fn delete_force_without_cgroup_or_pid_namespace_ends_every_process() {
    if !userns_allowed() {
        return;
    }
    let u = User::get("berth-rl-test");
    let mut b = u.bundle("rl-nopidns");
    b.config["linux"]["namespaces"].as_array_mut().unwrap().retain(|n| n["type"] != "pid");
    // A new proc needs a pid namespace our user namespace owns.
    b.config["mounts"].as_array_mut().unwrap().retain(|m| m["type"] != "proc");
    b.args(&["sh", "-c", "sleep 61 & sleep 62 & wait"]);
    let bundle = b.path().to_str().unwrap().to_string();
    assert_ok(&u.run_on(&b, &["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let pids = loop {
        let out = u.run_on(&b, &["ps", "--format", "json", &b.id]);
        assert_ok(&out, "ps");
        let pids: Vec<i32> = serde_json::from_slice(&out.stdout).unwrap();
        if pids.len() == 3 {
            break pids;
        }
        assert!(std::time::Instant::now() < deadline, "sh and its two sleeps never all listed: {pids:?}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_ok(&u.run_on(&b, &["delete", "--force", &b.id]), "delete --force");
    let alive = |pid: &i32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| !s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while pids.iter().any(alive) {
        assert!(
            std::time::Instant::now() < deadline,
            "left running after delete --force: {:?}",
            pids.iter().filter(|p| alive(p)).collect::<Vec<_>>()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    u.assert_clean(&b);
}

/// Another user can neither see nor touch the first one's containers.
#[test]
fn a_second_user_cannot_reach_the_first_users_containers() {
    if !userns_allowed() {
        return;
    }
    let u = User::get("berth-rl-test");
    let other = User::get("berth-rl-other");
    let mut b = u.bundle("rl-other");
    b.args(&["sleep", "60"]);
    let bundle = b.path().to_str().unwrap().to_string();
    assert_ok(&u.run_on(&b, &["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
    // Its own state dir shows nothing; the first user's cannot be read.
    let out = other.run_on(&b, &["list", "-q"]);
    assert_ok(&out, "list as the other user");
    assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
    let root = u.runtime_dir.path().join("berth");
    let root = root.to_str().unwrap();
    for verb in [vec!["state", &b.id], vec!["kill", &b.id, "KILL"], vec!["delete", "--force", &b.id]] {
        let mut args = vec!["--root", root];
        args.extend(verb.iter().copied());
        let out = other.run_on(&b, &args);
        let err = assert_one_line_error(&out);
        assert!(err.contains("ermission denied") || err.contains("does not exist"), "{args:?}: {err}");
    }
    let out = u.run_on(&b, &["state", &b.id]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"running\""), "the container was touched");
    assert_ok(&u.run_on(&b, &["delete", "--force", &b.id]), "delete --force");
    u.assert_clean(&b);
}

/// More than the user's own id is mapped by newuidmap and newgidmap from
/// its subordinate ids: a process user other than root works inside.
#[test]
fn subordinate_ids_are_mapped_through_newuidmap() {
    if !userns_allowed() {
        return;
    }
    let u = User::get("berth-rl-test");
    let mut b = u.bundle("rl-subids");
    b.config["linux"]["uidMappings"] = json!([
        {"containerID": 0, "hostID": u.uid, "size": 1},
        {"containerID": 1, "hostID": u.subuid, "size": 65536}
    ]);
    b.config["linux"]["gidMappings"] = json!([
        {"containerID": 0, "hostID": u.gid, "size": 1},
        {"containerID": 1, "hostID": u.subgid, "size": 65536}
    ]);
    b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000, "additionalGids": [5]});
    b.args(&["sh", "-c", "id -u; id -G; cat /proc/self/uid_map"]);
    let out = u.run(&b);
    assert_ok(&out, "run with subordinate ids");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "1000", "{text}");
    assert!(lines[1].split_whitespace().any(|g| g == "5"), "additional gid 5 missing: {text}");
    assert!(text.contains(&u.subuid.to_string()), "{text}");
    u.assert_clean(&b);
}

/// What the user cannot have is refused before anything exists, in one
/// line naming the field: a mapping outside its subordinate ids, a missing
/// newuidmap, a host namespace it may not join, limits no cgroup can hold.
#[test]
fn what_a_user_cannot_have_is_refused_up_front() {
    if !userns_allowed() {
        return;
    }
    let u = User::get("berth-rl-test");
    let mut b = u.bundle("rl-bad");
    b.config["linux"]["uidMappings"] = json!([
        {"containerID": 0, "hostID": u.uid, "size": 1},
        {"containerID": 1, "hostID": 5_000_000, "size": 10}
    ]);
    let err = assert_one_line_error(&u.run(&b));
    assert!(err.contains("linux.uidMappings[1]") && err.contains("/etc/subuid"), "{err}");
    u.assert_clean(&b);

    b.config["linux"]["uidMappings"] = json!([
        {"containerID": 0, "hostID": u.uid, "size": 1},
        {"containerID": 1, "hostID": u.subuid, "size": 10}
    ]);
    b.write_config();
    let bundle = b.path().to_str().unwrap().to_string();
    let mut cmd = u.berth();
    cmd.env("PATH", "/nonexistent").args(["run", "--bundle", &bundle, &b.id]);
    let err = assert_one_line_error(&output_via_files(cmd, b.path()));
    assert!(err.contains("linux.uidMappings") && err.contains("newuidmap"), "{err}");
    u.assert_clean(&b);

    // The host's network namespace (berth's own, opened as /proc/self): the
    // user holds no capability over it, so joining it is refused.
    let mut b = u.bundle("rl-bad-ns");
    let nss = b.config["linux"]["namespaces"].as_array_mut().unwrap();
    let i = nss.iter().position(|n| n["type"] == "network").unwrap();
    nss[i] = json!({"type": "network", "path": "/proc/self/ns/net"});
    let err = assert_one_line_error(&u.run(&b));
    assert!(err.contains(&format!("linux.namespaces[{i}].path")) && err.contains("network"), "{err}");
    u.assert_clean(&b);

    let mut b = u.bundle("rl-bad-limit");
    b.config["linux"]["resources"] = json!({"memory": {"limit": 67108864}});
    let err = assert_one_line_error(&u.run(&b));
    assert!(err.contains("linux.resources.memory") && err.contains("rootless"), "{err}");
    u.assert_clean(&b);
    b.config["linux"]["resources"] = json!({"pids": {"limit": 50}});
    let err = assert_one_line_error(&u.run(&b));
    assert!(err.contains("linux.resources.pids"), "{err}");
    u.assert_clean(&b);
}

/// Limits a rootless container cannot have, other than memory and pids,
/// are a warning naming them, and the container runs.
#[test]
fn other_limits_are_a_warning_and_the_container_runs() {
    if !userns_allowed() {
        return;
    }
    let u = User::get("berth-rl-test");
    let mut b = u.bundle("rl-warn");
    b.config["linux"]["resources"] = json!({"cpu": {"shares": 512}, "blockIO": {"weight": 100}});
    b.args(&["true"]);
    let out = u.run(&b);
    assert_ok(&out, "run with cpu shares");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("linux.resources.cpu") && err.contains("linux.resources.blockIO"), "{err}");
    u.assert_clean(&b);
}

/// `berth spec --rootless` as the user writes a config that runs unchanged
/// but for its rootfs and program.
#[test]
fn the_rootless_spec_runs() {
    if !userns_allowed() {
        return;
    }
    let u = User::get("berth-rl-test");
    let mut b = u.bundle("rl-spec");
    let dir = b.path().to_str().unwrap().to_string();
    std::os::unix::fs::chown(b.path(), Some(u.uid), Some(u.gid)).unwrap();
    let mut spec = u.berth();
    spec.args(["spec", "--rootless", "--bundle", &dir]);
    assert_ok(&spec.output().unwrap(), "spec --rootless");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.path().join("config.json")).unwrap()).unwrap();
    config["process"]["args"] = json!(["/probe", "report"]);
    config["process"]["terminal"] = json!(false);
    b.config = config;
    let report = u.probe(&mut b, &["report"]);
    assert_eq!(report["uid"].as_u64(), Some(0), "{report}");
    assert_eq!(mount_at(&report, "/sys").unwrap()["options"].as_str().unwrap().split(',').next(), Some("ro"));
    // No cgroup of its own: an empty read-only tmpfs where the config's
    // cgroup mount goes, nothing of the host's tree.
    let cg = mount_at(&report, "/sys/fs/cgroup").expect("the spec's cgroup mount");
    assert_eq!(cg["fstype"], "tmpfs", "{cg}");
    assert!(cg["options"].as_str().unwrap().split(',').any(|o| o == "ro"), "{cg}");
    let top = cg["id"].clone();
    let mounts = report["mounts"].as_array().unwrap();
    assert!(!mounts.iter().any(|m| m["parent"] == top), "something is mounted on the empty tmpfs: {report}");
    u.assert_clean(&b);
}
