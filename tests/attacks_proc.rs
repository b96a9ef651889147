//! A bundle that tries to turn berth's writes into procfs into writes of its
//! own choosing (the CVE-2025-52881 class): its `mounts` cover /proc/sys or
//! /proc/self/oom_score_adj with a directory, file or symlink of the host,
//! or with a tmpfs. berth writes through a proc instance of its own
//! (src/sys/procfs.rs), so the real value is set, and nothing is written
//! outside the rootfs (a canary on the host stays as it was).
//!
//! Each test can fail. Run against a build that writes sysctls by path
//! (berth 34eacf5, before sys/procfs.rs) with `BERTH_TEST_BIN=/path/to/old/berth
//! cargo test --test attacks_proc`: the bind test finds the real sysctl
//! unset (the value went into a new file in the canary directory), the
//! symlink test fails the create, and the tmpfs test finds the sysctl never
//! applied. The oom_score_adj test fails against a build that writes it
//! from inside the container by path (berth writes it from the host side);
//! the missing-sysctl test against one that opens with O_CREAT after the
//! parent's check.
mod common;
use common::*;
use serde_json::json;
use std::path::{Path, PathBuf};

const SHMMAX: &str = "123456789";

/// A container that sets kernel.shmmax and reads the real value back
/// through a second procfs at /mnt/proc, which nothing covers.
fn sysctl_bundle(name: &str, cover: impl FnOnce(&Bundle) -> serde_json::Value) -> Bundle {
    let mut b = Bundle::new(name);
    b.config["linux"]["sysctl"] = json!({"kernel.shmmax": SHMMAX});
    let cover = cover(&b);
    let mounts = b.config["mounts"].as_array_mut().unwrap();
    mounts.push(cover);
    mounts.push(json!({"destination": "/mnt/proc", "type": "proc", "source": "proc"}));
    b.args(&["/probe", "read", "/mnt/proc/sys/kernel/shmmax"]);
    b
}

fn canary_dir(b: &Bundle) -> PathBuf {
    let d = b.path().join("canary");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn bind(source: &Path, destination: &str) -> serde_json::Value {
    json!({"destination": destination, "type": "bind", "source": source, "options": ["rbind"]})
}

fn assert_real_shmmax(b: &mut Bundle, what: &str) {
    let out = b.run();
    assert_ok(&out, what);
    let v = parse_json_line(&out.stdout);
    assert_eq!(v["data"].as_str().map(str::trim), Some(SHMMAX), "{what}: the real sysctl is not set: {v}");
    b.assert_clean();
}

#[test]
fn a_host_directory_bound_over_proc_sys_gets_no_sysctl_file() {
    for destination in ["/proc/sys/kernel", "/proc/sys"] {
        let mut b = sysctl_bundle("proc-bind", |b| bind(&canary_dir(b), destination));
        let canary = canary_dir(&b);
        assert_real_shmmax(&mut b, destination);
        assert_eq!(entries(&canary), Vec::<String>::new(), "{destination}: berth wrote into the host directory");
    }
}

#[test]
fn a_symlink_planted_under_proc_sys_is_not_followed() {
    let mut b = sysctl_bundle("proc-link", |b| bind(&canary_dir(b), "/proc/sys/kernel"));
    let canary = canary_dir(&b);
    let target = b.path().join("host-file");
    std::fs::write(&target, "host data\n").unwrap();
    std::os::unix::fs::symlink(&target, canary.join("shmmax")).unwrap();
    assert_real_shmmax(&mut b, "symlink");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "host data\n", "the symlink was followed");
    assert_eq!(entries(&canary), ["shmmax"]);
}

#[test]
fn a_tmpfs_over_proc_sys_does_not_swallow_the_sysctl() {
    let mut b = sysctl_bundle(
        "proc-tmpfs",
        |_| json!({"destination": "/proc/sys/kernel", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}),
    );
    assert_real_shmmax(&mut b, "tmpfs");
}

#[test]
fn a_file_bound_over_oom_score_adj_is_left_alone() {
    let mut b = Bundle::new("proc-oom");
    let canary = b.path().join("canary-oom");
    std::fs::write(&canary, "canary\n").unwrap();
    b.config["process"]["oomScoreAdj"] = json!(123);
    let mounts = b.config["mounts"].as_array_mut().unwrap();
    mounts.push(bind(&canary, "/proc/self/oom_score_adj"));
    mounts.push(json!({"destination": "/mnt/proc", "type": "proc", "source": "proc"}));
    b.args(&["/probe", "read", "/mnt/proc/1/oom_score_adj"]);
    let out = b.run();
    assert_ok(&out, "oom_score_adj");
    let v = parse_json_line(&out.stdout);
    assert_eq!(v["data"].as_str().map(str::trim), Some("123"), "the real oom_score_adj is not set: {v}");
    assert_eq!(std::fs::read_to_string(&canary).unwrap(), "canary\n", "berth wrote into the host file");
    b.assert_clean();
}

#[test]
fn a_missing_sysctl_is_an_error_naming_it_and_creates_nothing() {
    let mut b = sysctl_bundle("proc-missing", |b| bind(&canary_dir(b), "/proc/sys/kernel"));
    let canary = canary_dir(&b);
    b.config["linux"]["sysctl"] = json!({"kernel.no_such_knob": "1"});
    let err = assert_one_line_error(&b.run());
    assert!(err.contains("linux.sysctl") && err.contains("kernel.no_such_knob"), "{err}");
    assert_eq!(entries(&canary), Vec::<String>::new(), "berth created a file in the host directory");
    b.assert_clean();
}
