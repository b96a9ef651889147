//! linux.resources on this v1/hybrid host: values land in the right files,
//! take effect inside the container, and bad values are one-line errors.
mod common;
use common::*;
use serde_json::{json, Value};
use std::path::PathBuf;

fn v1_host() -> bool {
    let v1 = std::path::Path::new("/sys/fs/cgroup/memory/memory.limit_in_bytes").exists();
    if !v1 {
        eprintln!("skip: not a cgroup v1 host");
    }
    v1
}

fn host_file(b: &Bundle, controller: &str, file: &str) -> String {
    let p: PathBuf = format!("/sys/fs/cgroup/{controller}{}/{file}", b.cgroup).into();
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).trim().to_string()
}

fn with_resources(name: &str, resources: Value) -> Bundle {
    let mut b = Bundle::new(name);
    b.config["linux"]["resources"] = resources;
    b
}

/// Creates the container (so its cgroup exists), runs `check`, deletes it.
fn while_created(b: &mut Bundle, check: impl FnOnce(&Bundle)) {
    b.args(&["/probe", "sleep", "30"]);
    let bundle = b.path().to_str().unwrap().to_string();
    assert_ok(&b.berth(&["create", "--bundle", &bundle, &b.id]), "create");
    check(b);
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete");
    b.assert_clean();
}

#[test]
fn memory_cpu_pids_values_land_in_the_v1_files() {
    if !v1_host() {
        return;
    }
    let mut b = with_resources(
        "res-files",
        json!({
            "memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728, "swappiness": 10},
            "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"},
            "pids": {"limit": 42}
        }),
    );
    while_created(&mut b, |b| {
        assert_eq!(host_file(b, "memory", "memory.limit_in_bytes"), "67108864");
        assert_eq!(host_file(b, "memory", "memory.soft_limit_in_bytes"), "33554432");
        assert_eq!(host_file(b, "memory", "memory.memsw.limit_in_bytes"), "134217728");
        assert_eq!(host_file(b, "memory", "memory.swappiness"), "10");
        assert_eq!(host_file(b, "cpu", "cpu.shares"), "512");
        assert_eq!(host_file(b, "cpu", "cpu.cfs_quota_us"), "50000");
        assert_eq!(host_file(b, "cpu", "cpu.cfs_period_us"), "100000");
        assert_eq!(host_file(b, "cpuset", "cpuset.cpus"), "0");
        assert_eq!(host_file(b, "pids", "pids.max"), "42");
    });
}

#[test]
fn forks_beyond_the_pids_limit_fail() {
    if !v1_host() {
        return;
    }
    let mut b = with_resources("res-pids", json!({"pids": {"limit": 4}}));
    b.args(&["/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 2 & done 2>&1; echo done"]);
    let out = b.run();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("can't fork") || text.contains("Resource temporarily unavailable"), "{text}");
    b.assert_clean();
}

#[test]
fn a_process_past_the_memory_limit_is_oom_killed() {
    if !v1_host() {
        return;
    }
    let mut b = with_resources("res-oom", json!({"memory": {"limit": 33554432, "swap": 33554432}}));
    // Not pid 1 (the kernel's OOM killer spares no one, but a shell reports it).
    b.args(&["/bin/sh", "-c", "/probe alloc 8; /probe alloc 128; echo status=$?"]);
    let out = b.run();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains(r#"{"allocated":8}"#), "{text}");
    assert!(text.contains("status=137"), "the 128 MiB allocation must be killed (SIGKILL): {text}");
    b.assert_clean();
}

/// Init enters its cgroups only once its setup is done (no cgroup namespace,
/// no hooks here), so the limit counts the container alone: `true` fits in
/// 128 KiB, where crun needs about 170 KiB on this host.
#[test]
fn the_runtime_setup_is_not_charged_to_the_memory_limit() {
    if !v1_host() {
        return;
    }
    let mut b = with_resources("res-tiny", json!({"memory": {"limit": 131072}}));
    b.args(&["/bin/true"]);
    assert_ok(&b.run(), "run true under a 128 KiB limit");
    b.assert_clean();
}

/// Hooks find the container by its pid (device rules, say): init is in
/// its cgroups before the first hook runs, late join or not.
#[test]
fn prestart_hooks_see_init_in_its_cgroups() {
    if !v1_host() {
        return;
    }
    let mut b = with_resources("res-hook", json!({"pids": {"limit": 50}}));
    let out_file = b.path().join("hook-saw");
    let script =
        format!("pid=$(sed -n 's/.*\"pid\":\\([0-9]*\\).*/\\1/p'); cat /proc/$pid/cgroup > {}", out_file.display());
    b.config["hooks"] = json!({"prestart": [{"path": "/bin/sh", "args": ["sh", "-c", script]}]});
    b.args(&["/bin/true"]);
    assert_ok(&b.run(), "run with a prestart hook");
    let saw = std::fs::read_to_string(&out_file).unwrap();
    for controller in ["memory", "pids", "devices"] {
        let line = saw.lines().find(|l| l.split(':').nth(1).is_some_and(|c| c.split(',').any(|c| c == controller)));
        assert!(line.is_some_and(|l| l.ends_with(&b.cgroup)), "{controller}: {saw}");
    }
    b.assert_clean();
}

#[test]
fn host_devices_are_unreachable_by_default() {
    let mut b = Bundle::new("res-devices");
    for set in ["bounding", "effective", "permitted"] {
        b.config["process"]["capabilities"][set].as_array_mut().unwrap().push(json!("CAP_MKNOD"));
    }
    // mknod is allowed (type m), using the node is not.
    let v = {
        b.args(&["/bin/sh", "-c", "mknod /tmp/disk b 8 0 && /probe open /tmp/disk r; mknod /tmp/mem c 1 1 && /probe open /tmp/mem r; /probe open /dev/null rw"]);
        let out = b.run();
        assert_ok(&out, "run");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(v[0]["errno"], 1, "block device 8:0 must be denied: {:?}", v);
    assert_eq!(v[1]["errno"], 1, "/dev/mem (1:1) must be denied: {:?}", v);
    assert_eq!(v[2]["ok"], true, "/dev/null stays usable: {:?}", v);
    b.assert_clean();
}

#[test]
fn device_rules_from_the_config_apply_in_order() {
    if !v1_host() {
        return;
    }
    let mut b = with_resources(
        "res-devrules",
        json!({"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 200, "access": "rw"}]}),
    );
    while_created(&mut b, |b| {
        let list = host_file(b, "devices", "devices.list");
        let rules: Vec<&str> = list.lines().collect();
        assert!(rules.contains(&"c 10:200 rw"), "the config's allow: {list}");
        assert!(rules.contains(&"c 1:3 rwm"), "the default nodes stay usable: {list}");
        assert!(!rules.iter().any(|r| r.starts_with("a ")), "deny-all came first: {list}");
    });
}

#[test]
fn kernel_memory_limits_are_a_warning_and_the_container_runs() {
    let mut b = with_resources("res-kmem", json!({"memory": {"kernel": 1048576}}));
    b.args(&["/bin/true"]);
    let out = b.run();
    assert_ok(&out, "run with memory.kernel");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("linux.resources.memory.kernel"), "no warning naming the field: {err}");
    b.assert_clean();
}

#[test]
fn bad_resource_values_are_one_line_errors_and_leave_nothing() {
    for (resources, field) in [
        (json!({"memory": {"limit": 0}}), "linux.resources.memory.limit"),
        (json!({"memory": {"limit": -3}}), "linux.resources.memory.limit"),
        (json!({"cpu": {"quota": 0}}), "linux.resources.cpu.quota"),
        (json!({"pids": {"limit": -5}}), "linux.resources.pids.limit"),
        (json!({"devices": [{"allow": true, "type": "c", "access": "x"}]}), "linux.resources.devices[0]"),
        (json!({"network": {"classID": 1048577}}), "linux.resources.network.classID"),
        (json!({"unified": {"no.such.file": "1"}}), "linux.resources.unified"),
        (json!({"memory": {"limit": 1048576, "swap": -3}}), "linux.resources.memory.swap"),
        (json!({"memory": {"reservation": -7}}), "linux.resources.memory.reservation"),
        (json!({"memory": {"swappiness": 101}}), "linux.resources.memory.swappiness"),
        (json!({"cpu": {"period": 0}}), "linux.resources.cpu.period"),
        (json!({"cpu": {"cpus": "0-zz"}}), "linux.resources.cpu.cpus"),
        (json!({"blockIO": {"weight": 5}}), "linux.resources.blockIO.weight"),
        (json!({"hugepageLimits": [{"pageSize": "3MB", "limit": 1}]}), "linux.resources.hugepageLimits"),
        (json!({"rdma": {"mlx4_0": {"hcaHandles": 1}}}), "linux.resources.rdma"),
    ] {
        let b = with_resources("res-bad", resources.clone());
        let err = assert_one_line_error(&b.run());
        assert!(err.contains(field), "{resources}: {err}");
        // Refused before any side effect: not even --root was made.
        assert!(!b.root.exists(), "{resources}: refused only after the state dir existed");
        b.assert_clean();
    }
}
