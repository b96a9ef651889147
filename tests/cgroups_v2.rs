//! linux.resources on a pure cgroup v2 host: values land in the v2 files and
//! are what the container sees, limits take effect, the eBPF device filter
//! is enforced, a cgroup mount in a cgroup namespace is rooted at the
//! container's cgroup, and nothing is left behind.
//!
//! This host is v1/hybrid, so `make test-v2` runs these in a guest with pure
//! cgroup v2 (../shared/tools/vmrun). Everywhere else each test returns at once.
mod common;
use common::*;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Stdio;

fn v2_host() -> bool {
    Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

/// A file of the container's cgroup, read from outside.
fn host_file(b: &Bundle, file: &str) -> String {
    let p = Path::new("/sys/fs/cgroup").join(b.cgroup.trim_start_matches('/')).join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).trim().to_string()
}

fn with_resources(name: &str, resources: Value) -> Bundle {
    let mut b = Bundle::new(name);
    b.config["linux"]["resources"] = resources;
    b
}

/// Runs `script` with /bin/sh in the container; returns stdout's JSON lines
/// and the rest of stdout and stderr as text.
fn sh(b: &mut Bundle, script: &str) -> (Vec<Value>, String) {
    b.args(&["/bin/sh", "-c", script]);
    let out = b.run();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = stdout.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    (json, stdout + &String::from_utf8_lossy(&out.stderr))
}

/// A new cgroup namespace and a cgroup mount at /sys/fs/cgroup.
fn own_cgroup_view(b: &mut Bundle) {
    b.config["linux"]["namespaces"].as_array_mut().unwrap().push(json!({"type": "cgroup"}));
    b.config["mounts"].as_array_mut().unwrap().push(json!({
        "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
        "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]
    }));
}

fn add_capability(b: &mut Bundle, cap: &str) {
    for set in ["bounding", "effective", "permitted"] {
        b.config["process"]["capabilities"][set].as_array_mut().unwrap().push(json!(cap));
    }
}

#[test]
fn limits_land_in_the_v2_files_and_the_container_sees_them() {
    if !v2_host() {
        return;
    }
    let mut b = with_resources(
        "v2-files",
        json!({
            "memory": {"limit": 67108864},
            "cpu": {"shares": 1024, "quota": 50000, "period": 100000},
            "pids": {"limit": 42}
        }),
    );
    own_cgroup_view(&mut b);
    const FILES: [&str; 4] = ["memory.max", "pids.max", "cpu.max", "cpu.weight"];
    let script = FILES.map(|f| format!("/probe read /sys/fs/cgroup/{f}")).join("; ");
    b.args(&["/bin/sh", "-c", &script]);
    // The container keeps create's stdout (a file we read once it has run)
    // and stderr: a pipe there would only reach EOF when the container exits.
    let out_path = b.path().join("container.out");
    let err_path = b.path().join("create.err");
    let mut create = b.cmd();
    create
        .args(["create", "--bundle", &b.bundle_arg(), &b.id])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    let status = create.status().unwrap();
    assert!(status.success(), "create: {}", std::fs::read_to_string(&err_path).unwrap_or_default());
    let outside: Vec<String> = FILES.iter().map(|f| host_file(&b, f)).collect();
    assert_eq!(outside, ["67108864", "42", "50000 100000", "39"], "{FILES:?} from outside");
    assert_ok(&b.berth(&["start", &b.id]), "start");
    b.wait_status("stopped");
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    b.assert_clean();
    let text = std::fs::read_to_string(&out_path).unwrap();
    let inside: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["data"].as_str().unwrap_or("?").trim().to_string())
        .collect();
    assert_eq!(inside, outside, "{FILES:?} from inside: {text}");
}

#[test]
fn a_process_past_memory_max_is_oom_killed() {
    if !v2_host() {
        return;
    }
    // swap = limit: no swap on top of memory.max, so the allocation cannot
    // escape to swap.
    let mut b = with_resources("v2-oom", json!({"memory": {"limit": 33554432, "swap": 33554432}}));
    // Not as pid 1: the shell survives to report the probe's fate.
    let (_, text) = sh(&mut b, "/probe alloc 8; /probe alloc 128; echo status=$?");
    assert!(text.contains(r#"{"allocated":8}"#), "{text}");
    assert!(text.contains("status=137"), "the 128 MiB allocation must be killed (SIGKILL): {text}");
    b.assert_clean();
}

#[test]
fn forks_beyond_pids_max_fail() {
    if !v2_host() {
        return;
    }
    let mut b = with_resources("v2-pids", json!({"pids": {"limit": 4}}));
    let (_, text) = sh(&mut b, "for i in 1 2 3 4 5 6 7 8; do sleep 2 & done 2>&1; echo done");
    assert!(text.contains("can't fork") || text.contains("Resource temporarily unavailable"), "{text}");
    b.assert_clean();
}

#[test]
fn the_device_filter_denies_other_devices_and_allows_the_defaults() {
    if !v2_host() {
        return;
    }
    // No linux.resources at all: the filter with the default rules is still
    // attached. mknod is allowed for any node (m), using one is not.
    let mut b = Bundle::new("v2-devices");
    add_capability(&mut b, "CAP_MKNOD");
    // Without the filter the disk open fails with ENXIO (no such disk in the
    // guest) and the kmsg one succeeds (write needs no capability), so EPERM
    // can only come from the filter.
    let (v, text) = sh(
        &mut b,
        "mknod /dev/disk b 8 0 && /probe open /dev/disk r; \
         mknod /dev/kmsg c 1 11 && /probe open /dev/kmsg w; /probe open /dev/null rw",
    );
    assert_eq!(v.len(), 3, "{text}");
    assert_eq!(v[0]["errno"], libc::EPERM, "block 8:0 must be denied: {text}");
    assert_eq!(v[1]["errno"], libc::EPERM, "/dev/kmsg (1:11) must be denied: {text}");
    assert_eq!(v[2]["ok"], true, "/dev/null stays usable: {text}");
    b.assert_clean();

    // A config rule opens exactly what it names: reading 8:0 gets past the
    // filter (no such disk in the guest: ENXIO), writing it does not.
    let mut b = with_resources(
        "v2-devrule",
        json!({"devices": [{"allow": false, "access": "rwm"},
                           {"allow": true, "type": "b", "major": 8, "minor": 0, "access": "r"}]}),
    );
    add_capability(&mut b, "CAP_MKNOD");
    let (v, text) = sh(&mut b, "mknod /dev/disk b 8 0 && /probe open /dev/disk r && /probe open /dev/disk w");
    assert_eq!(v.len(), 2, "{text}");
    assert_ne!(v[0]["errno"], libc::EPERM, "read of 8:0 is allowed by the rule: {text}");
    assert_eq!(v[1]["errno"], libc::EPERM, "write of 8:0 is not: {text}");
    b.assert_clean();
}

#[test]
fn a_cgroup_mount_in_a_cgroup_namespace_is_rooted_at_the_container() {
    if !v2_host() {
        return;
    }
    let mut b = with_resources("v2-cgns", json!({"pids": {"limit": 42}}));
    own_cgroup_view(&mut b);
    let (v, text) = sh(
        &mut b,
        "/probe read /proc/self/cgroup; /probe read /sys/fs/cgroup/cgroup.procs; \
         /probe read /sys/fs/cgroup/pids.max; /probe report",
    );
    assert_eq!(v.len(), 4, "{text}");
    assert_eq!(v[0]["data"], "0::/\n", "the container's cgroup is its root");
    // The container's init (the shell, pid 1) is in the mount's top cgroup,
    // and that cgroup has the container's limit (the real root has no pids.max).
    let procs: Vec<&str> = v[1]["data"].as_str().unwrap().split_whitespace().collect();
    assert!(procs.contains(&"1"), "cgroup.procs: {}", v[1]);
    assert_eq!(v[2]["data"], "42\n", "pids.max: {}", v[2]);
    let m = mount_at(&v[3], "/sys/fs/cgroup").unwrap_or_else(|| panic!("no cgroup mount: {text}"));
    assert_eq!(m["fstype"], "cgroup2", "{m}");
    assert_eq!(m["root"], "/", "{m}");
    b.assert_clean();
}

#[test]
fn delete_removes_the_cgroup_of_a_created_container() {
    if !v2_host() {
        return;
    }
    let mut b = with_resources("v2-delete", json!({"memory": {"limit": 67108864}, "pids": {"limit": 10}}));
    b.args(&["/probe", "sleep", "30"]);
    b.create_ok();
    let dir = Path::new("/sys/fs/cgroup").join(b.cgroup.trim_start_matches('/'));
    let procs = host_file(&b, "cgroup.procs");
    assert_eq!(procs.lines().count(), 1, "the container's init alone is in {}: {procs}", dir.display());
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete --force");
    assert!(!dir.exists(), "{} left behind", dir.display());
    b.assert_clean();
    b.assert_no_process();
}

/// `exec` is born in the container's cgroup (CLONE_INTO_CGROUP) on pure v2.
#[test]
fn exec_lands_in_the_containers_cgroup() {
    if !v2_host() {
        return;
    }
    let mut b = with_resources("v2-exec", json!({"pids": {"limit": 10}}));
    b.args(&["/probe", "sleep", "60"]);
    let bundle = b.bundle_arg();
    assert_ok(&b.berth(&["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
    let pidfile = b.path().join("exec.pid");
    let out = b.berth(&["exec", "-d", "--pid-file", pidfile.to_str().unwrap(), &b.id, "/probe", "sleep", "60"]);
    assert_ok(&out, "exec -d");
    let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    let cg = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    assert_eq!(cg.trim(), format!("0::{}", b.cgroup), "the exec'd process's cgroup");
    assert_eq!(host_file(&b, "cgroup.procs").lines().count(), 2, "init and the exec'd process");
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete --force");
    b.assert_clean();
    b.assert_no_process();
}
