mod common;
use common::*;
mod config_common;
use config_common::*;

use serde_json::{json, Value};
use std::process::Command;

const ALL_NS: [&str; 8] = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"];

/// The probe's namespace of this type ("net:[...]").
fn ns(r: &Value, ns: &str) -> String {
    r["namespaces"][ns].as_str().unwrap_or_else(|| panic!("no {ns} namespace in report")).to_string()
}

/// The `stat` JSON for each path, from one container run.
fn stat_all(b: &mut Bundle, paths: &[&str]) -> Vec<Value> {
    let script: Vec<String> = paths.iter().map(|p| format!("/probe stat {p}")).collect();
    let v = b.sh(&script.join("; "));
    assert_eq!(v.len(), paths.len(), "one stat per path: {v:?}");
    v
}

fn assert_char(st: &Value, major: i64, minor: i64, mode: i64) {
    assert_eq!(st["kind"], "char", "{st}");
    assert_eq!((st["major"].as_i64().unwrap(), st["minor"].as_i64().unwrap()), (major, minor), "{st}");
    assert_eq!(st["mode"], mode, "mode of {st}");
}

fn id_map() -> Value {
    json!([{"containerID": 0, "hostID": 100000, "size": 65536}])
}

/// A new user namespace mapping container 0 to host 100000 (size 65536). The
/// container's root then has no access to host-root-only directories, so the
/// bundle must be searchable by others.
fn with_user_namespace(b: &mut Bundle) {
    chmod(b.path(), 0o755);
    b.push_namespace(json!({"type": "user"}));
    b.config["linux"]["uidMappings"] = id_map();
    b.config["linux"]["gidMappings"] = id_map();
}

// ---------------------------------------------------------------------------
// linux.namespaces

#[test]
fn new_namespaces_differ_from_the_host() {
    let mut b = Bundle::new("ns-new");
    b.set_namespaces(&["pid", "network", "ipc", "uts", "mount", "cgroup", "time"]);
    let r = b.report();
    for t in ["cgroup", "ipc", "mnt", "net", "pid", "time", "uts"] {
        assert_ne!(ns(&r, t), host_ns(t), "{t} namespace must be new");
    }
    assert_eq!(ns(&r, "user"), host_ns("user"), "no user namespace was asked for");
    assert_eq!(r["pid"], 1);
    b.assert_clean();
}

#[test]
fn absent_namespaces_are_shared_with_the_host() {
    let mut b = Bundle::new("ns-absent");
    b.set_namespaces(&["mount"]);
    b.config.as_object_mut().unwrap().remove("hostname");
    let r = b.report();
    for t in ["cgroup", "ipc", "net", "pid", "time", "user", "uts"] {
        assert_eq!(ns(&r, t), host_ns(t), "{t} namespace must be the host's");
    }
    assert_ne!(ns(&r, "mnt"), host_ns("mnt"));
    assert_ne!(r["pid"], 1, "no pid namespace: the probe is not pid 1");
    b.assert_clean();
}

#[test]
fn each_namespace_type_alone() {
    // One new namespace at a time (plus mount, which every container here
    // needs): only that one differs from the host.
    for (typ, name) in
        [("pid", "pid"), ("network", "net"), ("ipc", "ipc"), ("uts", "uts"), ("cgroup", "cgroup"), ("time", "time")]
    {
        let mut b = Bundle::new("ns-one");
        b.set_namespaces(&["mount", typ]);
        if typ != "uts" {
            b.config.as_object_mut().unwrap().remove("hostname");
        }
        let r = b.report();
        for t in ALL_NS {
            if t == name || t == "mnt" {
                assert_ne!(ns(&r, t), host_ns(t), "{typ}: {t} must be new");
            } else {
                assert_eq!(ns(&r, t), host_ns(t), "{typ}: {t} must be the host's");
            }
        }
        b.assert_clean();
    }
}

#[test]
fn user_namespace_with_id_mappings() {
    let mut b = Bundle::new("ns-user");
    with_user_namespace(&mut b);
    let v = b.sh("/probe report; /probe read /proc/self/uid_map; /probe read /proc/self/gid_map");
    let r = &v[0];
    assert_ne!(ns(r, "user"), host_ns("user"));
    assert_eq!((&r["uid"], &r["gid"], &r["euid"]), (&json!(0), &json!(0), &json!(0)), "root inside");
    assert_eq!(words(v[1]["data"].as_str().unwrap()), ["0", "100000", "65536"], "uid_map");
    assert_eq!(words(v[2]["data"].as_str().unwrap()), ["0", "100000", "65536"], "gid_map");
    b.assert_clean();
}

#[test]
fn user_namespace_process_runs_as_the_mapped_host_uid() {
    let mut b = Bundle::new("ns-user-host");
    with_user_namespace(&mut b);
    b.args(&["/probe", "sleep", "30"]);
    assert_ok(&b.create_detached(), "create");
    let pid = b.host_pid();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |k: &str| status.lines().find_map(|l| l.strip_prefix(k)).map(words).unwrap();
    assert_eq!(field("Uid:"), ["100000"; 4], "host view of the container's uids");
    assert_eq!(field("Gid:"), ["100000"; 4], "host view of the container's gids");
    assert_ok(&b.delete_container(true), "delete");
    b.assert_clean();
}

#[test]
fn time_namespace_offsets() {
    let mut b = Bundle::new("ns-time");
    b.push_namespace(json!({"type": "time"}));
    b.config["linux"]["timeOffsets"] = json!({
        "monotonic": {"secs": 86400, "nanosecs": 0},
        "boottime": {"secs": 172800, "nanosecs": 0},
    });
    let host_uptime: f64 = words(&std::fs::read_to_string("/proc/uptime").unwrap())[0].parse().unwrap();
    let out = b.sh_out("cat /proc/uptime; /probe read /proc/self/timens_offsets");
    let text = stdout_of(&out);
    let uptime: f64 = words(text.lines().next().unwrap())[0].parse().unwrap();
    // /proc/uptime is CLOCK_BOOTTIME, so it shows the boottime offset.
    assert!(uptime >= host_uptime + 172800.0, "uptime inside {uptime}, host {host_uptime}");
    let offsets = parse_json_lines(&out.stdout)[0]["data"].as_str().unwrap().to_string();
    let lines: Vec<Vec<String>> = offsets.lines().map(words).collect();
    assert!(lines.contains(&words("monotonic 86400 0")), "timens_offsets: {offsets}");
    assert!(lines.contains(&words("boottime 172800 0")), "timens_offsets: {offsets}");
    b.assert_clean();
}

#[test]
fn cgroup_namespace_roots_proc_self_cgroup() {
    let mut b = Bundle::new("ns-cgroup");
    b.push_namespace(json!({"type": "cgroup"}));
    let r = b.report();
    let cg = r["cgroup"].as_str().unwrap();
    assert!(!cg.is_empty());
    for line in cg.lines() {
        assert!(line.ends_with(":/"), "inside a cgroup namespace each cgroup is its root: {line}");
    }
    b.assert_clean();
}

#[test]
fn namespace_paths_join_another_containers_namespaces() {
    let mut a = Bundle::new("ns-owner");
    a.args(&["/probe", "sleep", "30"]);
    assert_ok(&a.create_detached(), "create the namespace owner");
    let apid = a.host_pid().to_string();

    let mut b = Bundle::new("ns-join");
    b.set_namespaces(&["pid", "mount"]);
    for (typ, name) in [("network", "net"), ("ipc", "ipc"), ("uts", "uts")] {
        b.push_namespace(json!({"type": typ, "path": format!("/proc/{apid}/ns/{name}")}));
    }
    b.config.as_object_mut().unwrap().remove("hostname");
    let r = b.report();
    for t in ["net", "ipc", "uts"] {
        assert_eq!(ns(&r, t), ns_inode(&apid, t), "{t} namespace joined");
    }
    for t in ["pid", "mnt"] {
        assert_ne!(ns(&r, t), ns_inode(&apid, t), "{t} namespace is new");
        assert_ne!(ns(&r, t), host_ns(t), "{t} namespace is new");
    }
    assert_eq!(r["hostname"], "probe-host", "the joined uts namespace's hostname");
    b.assert_clean();
    assert_ok(&a.delete_container(true), "delete the owner");
    a.assert_clean();
}

/// A hostname in the config is set inside a joined uts namespace too
/// (runtime-tools' linux_ns_path; runc does the same).
#[test]
fn hostname_is_set_in_a_joined_uts_namespace() {
    let mut a = Bundle::new("uts-owner");
    a.args(&["/probe", "sleep", "30"]);
    assert_ok(&a.create_detached(), "create the namespace owner");
    let apid = a.host_pid().to_string();
    let mut b = Bundle::new("uts-join");
    b.set_namespaces(&["pid", "mount"]);
    b.push_namespace(json!({"type": "uts", "path": format!("/proc/{apid}/ns/uts")}));
    b.config["hostname"] = json!("joined-name");
    let r = b.report();
    assert_eq!(ns(&r, "uts"), ns_inode(&apid, "uts"));
    assert_eq!(r["hostname"], "joined-name");
    b.assert_clean();
    assert_ok(&a.delete_container(true), "delete the owner");
    a.assert_clean();
}

#[test]
fn hostname_without_any_uts_namespace_is_refused() {
    let mut b = Bundle::new("uts-none");
    b.set_namespaces(&["pid", "mount"]);
    b.config["hostname"] = json!("x");
    let err = assert_one_line_error(&b.run());
    assert!(err.contains("hostname") && err.contains("uts"), "{err}");
    b.assert_clean();
}

#[test]
fn namespace_path_joins_a_bind_mounted_network_namespace() {
    let mut b = Bundle::new("ns-netfile");
    let file = b.path().join("netns");
    let netns = HostMount::netns_file(&file);
    let inode = format!("net:[{}]", std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&file).unwrap()));
    b.set_namespaces(&["pid", "mount", "ipc", "uts"]);
    b.push_namespace(json!({"type": "network", "path": file.to_str().unwrap()}));
    let r = b.report();
    assert_eq!(ns(&r, "net"), inode);
    assert_ne!(ns(&r, "net"), host_ns("net"));
    drop(netns);
    b.assert_clean();
}

#[test]
fn namespace_path_joins_another_containers_pid_namespace() {
    let mut a = Bundle::new("pidns-owner");
    a.args(&["/probe", "sleep", "30"]);
    assert_ok(&a.create_detached(), "create the namespace owner");
    let apid = a.host_pid().to_string();

    let mut b = Bundle::new("pidns-join");
    b.set_namespaces(&["mount", "network", "ipc", "uts"]);
    b.push_namespace(json!({"type": "pid", "path": format!("/proc/{apid}/ns/pid")}));
    let r = b.report();
    assert_eq!(ns(&r, "pid"), ns_inode(&apid, "pid"));
    assert_ne!(r["pid"], 1, "the owner's init is pid 1");
    b.assert_clean();
    assert_ok(&a.delete_container(true), "delete the owner");
    a.assert_clean();
}

#[test]
fn namespace_path_joins_another_containers_user_namespace() {
    let mut a = Bundle::new("userns-owner");
    with_user_namespace(&mut a);
    a.args(&["/probe", "sleep", "30"]);
    assert_ok(&a.create_detached(), "create the namespace owner");
    let apid = a.host_pid().to_string();

    let mut b = Bundle::new("userns-join");
    chmod(b.path(), 0o755);
    b.push_namespace(json!({"type": "user", "path": format!("/proc/{apid}/ns/user")}));
    let v = b.sh("/probe report; /probe read /proc/self/uid_map");
    let r = &v[0];
    assert_eq!(ns(r, "user"), ns_inode(&apid, "user"));
    assert_eq!(r["uid"], 0);
    assert_eq!(r["ppid"], 1, "the sh that runs the probe is pid 1 of a new pid namespace");
    for t in ["pid", "net", "mnt", "ipc", "uts"] {
        assert_ne!(ns(r, t), ns_inode(&apid, t), "{t} namespace is new");
    }
    assert_eq!(words(v[1]["data"].as_str().unwrap()), ["0", "100000", "65536"]);
    b.assert_clean();
    assert_ok(&a.delete_container(true), "delete the owner");
    a.assert_clean();
}

#[test]
fn without_a_mount_namespace_the_runtime_chroots_in_the_callers_namespace() {
    let mut b = Bundle::new("no-mntns");
    b.set_namespaces(&["pid", "network", "ipc", "uts"]);
    b.config["linux"]["maskedPaths"] = json!([]);
    b.config["linux"]["readonlyPaths"] = json!([]);
    b.args(&["/probe", "report"]);
    b.write_config();
    let bundle = b.dir_arg();
    // sh prints its mount namespace, runs berth, then shows that its own root
    // is still the host's (pivot_root would have moved it).
    let script = format!(
        "readlink /proc/self/ns/mnt; {berth} --root {root} run --bundle {bundle} {id}; rc=$?; \
         test -e {bundle}/config.json && echo host-root-intact; exit $rc",
        berth = berth_bin(),
        root = b.root.display(),
        id = b.id,
    );
    let out = Command::new("unshare").args(["-m", "--propagation", "private", "sh", "-c", &script]).output().unwrap();
    assert_ok(&out, "berth run inside unshare -m");
    let text = stdout_of(&out);
    let mut lines = text.lines();
    let caller_mnt = lines.next().unwrap().to_string();
    let r = parse_json_line(&out.stdout);
    assert_eq!(ns(&r, "mnt"), caller_mnt, "the container uses the caller's mount namespace");
    assert_ne!(caller_mnt, host_ns("mnt"));
    assert_eq!(r["cwd"], "/");
    assert!(mount_at(&r, "/proc").is_some(), "config mounts were made");
    assert!(text.contains("host-root-intact"), "the caller's root changed (pivot_root?): {text}");
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// mounts

#[test]
fn bind_mounts_of_a_file_and_a_directory() {
    let mut b = Bundle::new("bind");
    b.bundle_file("host.txt", "file-data", 0o644);
    b.bundle_file("hostdir/inner.txt", "dir-data", 0o644);
    let dir = b.path().join("hostdir").to_str().unwrap().to_string();
    b.push_mount(json!({"destination": "/etc/bound.txt", "type": "bind", "source": "host.txt", "options": ["bind"]}));
    b.push_mount(json!({"destination": "/mnt/dir", "type": "bind", "source": dir, "options": ["rbind", "nosuid", "nodev", "noexec"]}));
    let v =
        b.sh("/probe read /etc/bound.txt; /probe read /mnt/dir/inner.txt; /probe stat /etc/bound.txt; /probe report");
    assert_eq!(v[0]["data"], "file-data", "file bind (relative source)");
    assert_eq!(v[1]["data"], "dir-data", "directory bind");
    assert_eq!(v[2]["kind"], "file");
    let m = mount_at(&v[3], "/mnt/dir").expect("/mnt/dir mounted");
    for o in ["rw", "nosuid", "nodev", "noexec"] {
        assert!(options_of(m).contains(&o.to_string()), "{o} missing: {m}");
    }
    assert!(mount_at(&v[3], "/etc/bound.txt").is_some());
    b.assert_clean();
}

#[test]
fn rbind_brings_submounts_and_bind_does_not() {
    let mut b = Bundle::new("rbind");
    std::fs::create_dir_all(b.rootfs().join("src/sub")).unwrap();
    let src = b.rootfs().join("src").to_str().unwrap().to_string();
    // The submount is made by an earlier config mount, inside the container's namespace.
    b.push_mount(json!({"destination": "/src/sub", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}));
    b.push_mount(json!({"destination": "/mnt/plain", "type": "bind", "source": src, "options": ["bind"]}));
    b.push_mount(json!({"destination": "/mnt/rec", "type": "bind", "source": src, "options": ["rbind"]}));
    let r = b.report();
    assert_eq!(
        mount_at(&r, "/mnt/rec/sub").map(|m| m["fstype"].clone()),
        Some(json!("tmpfs")),
        "rbind keeps the submount"
    );
    assert!(mount_at(&r, "/mnt/plain/sub").is_none(), "bind must not bring submounts");
    b.assert_clean();
}

#[test]
fn read_only_bind_mount() {
    let mut b = Bundle::new("ro-bind");
    b.bundle_file("rodir/f.txt", "keep", 0o666);
    let dir = b.path().join("rodir").to_str().unwrap().to_string();
    b.push_mount(json!({"destination": "/mnt/ro", "type": "bind", "source": dir, "options": ["bind", "ro"]}));
    let v = b.sh("/probe write /mnt/ro/f.txt changed; /probe report");
    assert_eq!(v[0]["errno"], EROFS, "{}", v[0]);
    assert_eq!(options_of(mount_at(&v[1], "/mnt/ro").unwrap())[0], "ro");
    assert_eq!(std::fs::read_to_string(b.path().join("rodir/f.txt")).unwrap(), "keep");
    b.assert_clean();
}

/// An idmapped bind shows the source's files with mapped owners: with
/// 0 -> 1234, a root-owned file appears owned by 1234 (and 1 -> 1235 for gids).
#[test]
fn idmapped_bind_mounts_map_file_owners() {
    let mut b = Bundle::new("idmap");
    b.bundle_file("idsrc/f.txt", "x", 0o644);
    std::fs::create_dir_all(b.path().join("idsrc/sub")).unwrap();
    let dir = b.path().join("idsrc").to_str().unwrap().to_string();
    let maps = |host: u32| json!([{"containerID": 0, "hostID": host, "size": 1}]);
    for (dest, opt) in [("/mnt/idmap", "idmap"), ("/mnt/ridmap", "ridmap")] {
        b.push_mount(json!({"destination": dest, "type": "bind", "source": dir, "options": ["rbind", opt, "ro"],
            "uidMappings": maps(1234), "gidMappings": maps(1235)}));
    }
    let v = b.sh("/probe stat /mnt/idmap/f.txt; /probe stat /mnt/ridmap/sub; /probe report");
    assert_eq!((v[0]["uid"].clone(), v[0]["gid"].clone()), (json!(1234), json!(1235)), "{}", v[0]);
    assert_eq!(v[1]["uid"], 1234, "{}", v[1]);
    let m = mount_at(&v[2], "/mnt/idmap").expect("mounted");
    for o in ["ro", "idmapped"] {
        assert!(options_of(m).contains(&o.to_string()), "{o}: {m}");
    }
    assert_eq!(
        std::fs::metadata(b.path().join("idsrc/f.txt")).map(|m| std::os::unix::fs::MetadataExt::uid(&m)).unwrap(),
        0
    );
    b.assert_clean();
}

#[test]
fn idmap_on_a_non_bind_mount_is_refused() {
    let mut b = Bundle::new("idmap-bad");
    b.push_mount(json!({"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"],
        "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}));
    let out = b.run();
    let err = assert_one_line_error(&out);
    assert!(err.contains("mounts[") && err.contains("idmap"), "{err}");
    b.assert_clean();
}

#[test]
fn tmpfs_with_size_mode_and_flags() {
    let mut b = Bundle::new("tmpfs");
    b.push_mount(json!({"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs",
        "options": ["nosuid", "nodev", "noexec", "size=1m", "mode=700"]}));
    let v = b.sh("/probe stat /mnt/t; /probe report");
    assert_eq!(v[0]["mode"], 0o700, "{}", v[0]);
    let m = mount_at(&v[1], "/mnt/t").expect("/mnt/t mounted");
    assert_eq!(m["fstype"], "tmpfs");
    for o in ["nosuid", "nodev", "noexec"] {
        assert!(options_of(m).contains(&o.to_string()), "{o} missing: {m}");
    }
    let sup = super_options_of(m);
    assert!(sup.contains(&"size=1024k".to_string()), "size: {m}");
    assert!(sup.contains(&"mode=700".to_string()), "mode: {m}");
    b.assert_clean();
}

#[test]
fn proc_sysfs_mqueue_devpts_and_shm_mounts() {
    let mut b = Bundle::new("fs-types");
    b.push_mount(json!({"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]}));
    let r = b.report();
    let at = |p: &str| mount_at(&r, p).unwrap_or_else(|| panic!("nothing mounted at {p}"));
    assert_eq!(at("/proc")["fstype"], "proc");
    assert_eq!(at("/sys")["fstype"], "sysfs");
    assert_eq!(options_of(at("/sys"))[0], "ro", "sysfs is mounted ro");
    assert_eq!(at("/dev/mqueue")["fstype"], "mqueue");
    for o in ["nosuid", "nodev", "noexec"] {
        assert!(options_of(at("/dev/mqueue")).contains(&o.to_string()), "mqueue {o}");
    }
    let pts = at("/dev/pts");
    assert_eq!(pts["fstype"], "devpts");
    let sup = super_options_of(pts);
    assert!(
        sup.contains(&"ptmxmode=666".to_string()) && sup.contains(&"mode=620".to_string()),
        "devpts options: {pts}"
    );
    assert_eq!(at("/dev/shm")["fstype"], "tmpfs");
    assert_eq!(at("/dev")["fstype"], "tmpfs");
    b.assert_clean();
}

fn host_cgroup_hierarchies() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains(" - cgroup ") || l.contains(" - cgroup2 "))
        .filter_map(|l| l.split(' ').nth(4))
        .filter_map(|mp| mp.strip_prefix("/sys/fs/cgroup/").map(str::to_string))
        .collect();
    v.sort();
    v
}

fn cgroup_mount() -> Value {
    json!({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
        "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]})
}

#[test]
fn cgroup_mount_shows_every_hierarchy() {
    let mut b = Bundle::new("cgmount");
    b.push_namespace(json!({"type": "cgroup"}));
    b.push_mount(cgroup_mount());
    let v = b.sh(
        "/probe report; /probe read /sys/fs/cgroup/pids/cgroup.procs; /probe read /sys/fs/cgroup/unified/cgroup.procs",
    );
    let r = &v[0];
    let hierarchies = host_cgroup_hierarchies();
    assert!(!hierarchies.is_empty());
    for h in &hierarchies {
        let m = mount_at(r, &format!("/sys/fs/cgroup/{h}")).unwrap_or_else(|| panic!("no cgroup hierarchy {h} inside"));
        let want = if h == "unified" { "cgroup2" } else { "cgroup" };
        assert_eq!(m["fstype"], want, "{h}: {m}");
        assert_eq!(options_of(m)[0], "ro", "{h} is read-only: {m}");
    }
    // Each hierarchy is rooted at the container's cgroup: the container's
    // init (the sh that ran the probes, pid 1) is in its cgroup.procs.
    for (i, h) in [(1, "pids"), (2, "unified")] {
        let procs = v[i]["data"].as_str().map(words).unwrap_or_default();
        assert!(procs.contains(&"1".to_string()), "{h} cgroup.procs: {}", v[i]);
    }
    b.assert_clean();
}

#[test]
fn cgroup_mount_without_cgroup_namespace_shows_the_containers_own_cgroup() {
    // runc and crun bind the container's own cgroup directory of each
    // hierarchy; the whole host tree must not be visible.
    let mut b = Bundle::new("cgmount-nons");
    b.push_mount(cgroup_mount());
    let v = b.probe(&["read", "/sys/fs/cgroup/pids/cgroup.procs"]);
    assert_eq!(v["data"].as_str().map(words), Some(vec!["1".to_string()]), "pids cgroup.procs: {v}");
    b.assert_clean();
}

/// Bind mounts of a shared host tmpfs with each propagation option, and
/// fresh tmpfs mounts; returns the report.
fn propagation_report(b: &mut Bundle, binds: &[(&str, &str)], tmpfs: &[(&str, &str)]) -> Value {
    let shared_dir = b.path().join("shared");
    let host = HostMount::shared_tmpfs(&shared_dir);
    let src = shared_dir.to_str().unwrap().to_string();
    for (dest, prop) in binds {
        b.push_mount(json!({"destination": dest, "type": "bind", "source": src, "options": ["rbind", prop]}));
    }
    for (dest, prop) in tmpfs {
        b.push_mount(json!({"destination": dest, "type": "tmpfs", "source": "tmpfs", "options": [prop]}));
    }
    let r = b.report();
    drop(host);
    r
}

fn optional_at(r: &Value, p: &str) -> Vec<String> {
    optional_of(mount_at(r, p).unwrap_or_else(|| panic!("nothing at {p}")))
}

#[test]
fn mount_propagation_rprivate_and_rslave() {
    let mut b = Bundle::new("propagation");
    let r = propagation_report(
        &mut b,
        &[("/mnt/priv", "rprivate"), ("/mnt/slave", "rslave")],
        &[("/mnt/tprivate", "private")],
    );
    assert_eq!(optional_at(&r, "/mnt/priv"), Vec::<String>::new(), "rprivate");
    let slave = optional_at(&r, "/mnt/slave");
    assert!(slave.iter().any(|o| o.starts_with("master:")), "rslave: {slave:?}");
    assert!(!slave.iter().any(|o| o.starts_with("shared:")), "rslave: {slave:?}");
    assert_eq!(optional_at(&r, "/mnt/tprivate"), Vec::<String>::new(), "private tmpfs");
    b.assert_clean();
}

#[test]
fn mount_propagation_rshared() {
    let mut b = Bundle::new("propagation-shared");
    let r = propagation_report(
        &mut b,
        &[("/mnt/shared", "rshared")],
        &[("/mnt/tshared", "rshared"), ("/mnt/tshared1", "shared")],
    );
    for p in ["/mnt/shared", "/mnt/tshared", "/mnt/tshared1"] {
        let o = optional_at(&r, p);
        assert!(o.iter().any(|o| o.starts_with("shared:")), "{p} must be shared: {o:?}");
    }
    b.assert_clean();
}

#[test]
fn recursive_read_only_and_nosuid_reach_submounts() {
    let mut b = Bundle::new("rro");
    std::fs::create_dir_all(b.rootfs().join("src/sub")).unwrap();
    let src = b.rootfs().join("src").to_str().unwrap().to_string();
    b.push_mount(json!({"destination": "/src/sub", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}));
    b.push_mount(
        json!({"destination": "/mnt/r", "type": "bind", "source": src, "options": ["rbind", "rro", "rnosuid"]}),
    );
    let out =
        b.sh_out("touch /mnt/r/sub/new 2>/dev/null; echo touch=$?; touch /src/sub/new; echo orig=$?; /probe report");
    let text = stdout_of(&out);
    assert!(text.contains("touch=1"), "writing under the rro submount must fail: {text}");
    assert!(text.contains("orig=0"), "the original submount stays writable: {text}");
    let r = parse_json_line(&out.stdout);
    for p in ["/mnt/r", "/mnt/r/sub"] {
        let m = mount_at(&r, p).unwrap_or_else(|| panic!("nothing at {p}"));
        assert_eq!(options_of(m)[0], "ro", "{p}: {m}");
        assert!(options_of(m).contains(&"nosuid".to_string()), "{p}: {m}");
    }
    assert_eq!(options_of(mount_at(&r, "/src/sub").unwrap())[0], "rw");
    b.assert_clean();
}

#[test]
fn tmpcopyup_copies_the_image_directory_into_the_tmpfs() {
    let mut b = Bundle::new("tmpcopyup");
    b.rootfs_file("/data/a.txt", "alpha", 0o640);
    b.rootfs_file("/data/sub/b.txt", "beta", 0o600);
    std::os::unix::fs::symlink("a.txt", b.rootfs().join("data/link")).unwrap();
    b.push_mount(
        json!({"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "mode=755"]}),
    );
    let v = b
        .sh("/probe read /data/a.txt; /probe read /data/sub/b.txt; /probe stat /data/a.txt; /probe stat /data/link; \
                  /probe write /data/a.txt changed; /probe report");
    assert_eq!(v[0]["data"], "alpha");
    assert_eq!(v[1]["data"], "beta");
    assert_eq!(v[2]["mode"], 0o640, "mode kept: {}", v[2]);
    assert_eq!((&v[3]["kind"], &v[3]["link"]), (&json!("symlink"), &json!("a.txt")), "{}", v[3]);
    assert_eq!(v[4]["ok"], true);
    assert_eq!(mount_at(&v[5], "/data").map(|m| m["fstype"].clone()), Some(json!("tmpfs")));
    assert_eq!(std::fs::read_to_string(b.rootfs().join("data/a.txt")).unwrap(), "alpha", "the image is untouched");
    b.assert_clean();
}

#[test]
fn mounts_are_applied_in_order() {
    let mut b = Bundle::new("order");
    b.bundle_file("over/marker.txt", "second", 0o644);
    let over = b.path().join("over").to_str().unwrap().to_string();
    // Two mounts on one destination: the later one is on top.
    b.push_mount(json!({"destination": "/mnt/o", "type": "tmpfs", "source": "tmpfs"}));
    b.push_mount(json!({"destination": "/mnt/o", "type": "bind", "source": over, "options": ["bind"]}));
    // A later mount inside an earlier one.
    b.push_mount(json!({"destination": "/mnt/n", "type": "tmpfs", "source": "tmpfs"}));
    b.push_mount(json!({"destination": "/mnt/n/inner", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]}));
    let v = b.sh("/probe read /mnt/o/marker.txt; /probe report");
    assert_eq!(v[0]["data"], "second");
    let r = &v[1];
    let o: Vec<&Value> = r["mounts"].as_array().unwrap().iter().filter(|m| m["mount_point"] == "/mnt/o").collect();
    assert_eq!(o.len(), 2, "both mounts at /mnt/o");
    assert_eq!(o[0]["fstype"], "tmpfs");
    assert_eq!(o[1]["parent"], o[0]["id"], "the bind is on top of the tmpfs");
    let n = mount_at(r, "/mnt/n").unwrap();
    let inner = mount_at(r, "/mnt/n/inner").unwrap();
    assert_eq!(inner["parent"], n["id"], "/mnt/n/inner is inside /mnt/n");
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// /dev

#[test]
fn default_devices() {
    let mut b = Bundle::new("devices");
    let v = stat_all(&mut b, &["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"]);
    for (st, (major, minor)) in v.iter().zip([(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0)]) {
        assert_char(st, major, minor, 0o666);
        assert_eq!((&st["uid"], &st["gid"]), (&json!(0), &json!(0)), "{st}");
    }
    b.assert_clean();
}

#[test]
fn dev_symlinks() {
    let mut b = Bundle::new("devlinks");
    let v = stat_all(&mut b, &["/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/ptmx"]);
    let want = ["/proc/self/fd", "/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2", "pts/ptmx"];
    for (st, target) in v.iter().zip(want) {
        assert_eq!((&st["kind"], &st["link"]), (&json!("symlink"), &json!(target)), "{st}");
    }
    let o = b.probe(&["open", "/dev/ptmx", "rw"]);
    assert_eq!(o["ok"], true, "/dev/ptmx opens the container's devpts: {o}");
    b.assert_clean();
}

#[test]
fn linux_devices_are_created() {
    let mut b = Bundle::new("linux-devices");
    b.config["linux"]["devices"] = json!([
        {"path": "/dev/mydev", "type": "c", "major": 1, "minor": 7, "fileMode": 0o600, "uid": 1, "gid": 2},
        {"path": "/dev/myfifo", "type": "p", "fileMode": 0o640},
        {"path": "/dev/myblk", "type": "b", "major": 7, "minor": 0, "fileMode": 0o660, "uid": 0, "gid": 6},
        {"path": "/dev/nested/dir/null2", "type": "c", "major": 1, "minor": 3},
    ]);
    let v = stat_all(&mut b, &["/dev/mydev", "/dev/myfifo", "/dev/myblk", "/dev/nested/dir/null2"]);
    assert_char(&v[0], 1, 7, 0o600);
    assert_eq!((&v[0]["uid"], &v[0]["gid"]), (&json!(1), &json!(2)), "{}", v[0]);
    assert_eq!((&v[1]["kind"], &v[1]["mode"]), (&json!("fifo"), &json!(0o640)), "{}", v[1]);
    assert_eq!(v[2]["kind"], "block", "{}", v[2]);
    assert_eq!(
        (&v[2]["major"], &v[2]["minor"], &v[2]["mode"], &v[2]["gid"]),
        (&json!(7), &json!(0), &json!(0o660), &json!(6))
    );
    assert_eq!(v[3]["kind"], "char", "{}", v[3]);
    assert_eq!((&v[3]["major"], &v[3]["minor"]), (&json!(1), &json!(3)));
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// linux.maskedPaths, linux.readonlyPaths

#[test]
fn masked_paths_hide_files_and_directories() {
    let mut b = Bundle::new("masked");
    b.rootfs_file("/etc/secret.txt", "s3cret", 0o644);
    b.rootfs_file("/secretdir/file.txt", "hidden", 0o644);
    let masked = b.config["linux"]["maskedPaths"].as_array_mut().unwrap();
    masked.extend([json!("/etc/secret.txt"), json!("/secretdir"), json!("/does/not/exist")]);
    let v = b.sh("/probe read /etc/secret.txt; /probe stat /etc/secret.txt; /probe stat /secretdir/file.txt; \
         /probe write /secretdir/file.txt x; /probe read /proc/timer_list; /probe report");
    assert_eq!(v[0]["data"], "", "a masked file reads empty: {}", v[0]);
    assert_char(&v[1], 1, 3, v[1]["mode"].as_i64().unwrap());
    assert_eq!(v[2]["exists"], false, "a masked directory is empty: {}", v[2]);
    assert_eq!(v[3]["ok"], false);
    if std::path::Path::new("/proc/timer_list").exists() {
        assert_eq!(v[4]["data"], "", "/proc/timer_list is masked: {}", v[4]);
    }
    let r = &v[5];
    let m = mount_at(r, "/secretdir").expect("a mount over /secretdir");
    assert_eq!((&m["fstype"], options_of(m)[0].as_str()), (&json!("tmpfs"), "ro"), "{m}");
    let fw = mount_at(r, "/sys/firmware").expect("a mount over /sys/firmware");
    assert_eq!((&fw["fstype"], options_of(fw)[0].as_str()), (&json!("tmpfs"), "ro"), "{fw}");
    assert!(!b.rootfs().join("does").exists(), "a missing masked path is not created");
    assert_eq!(std::fs::read_to_string(b.rootfs().join("secretdir/file.txt")).unwrap(), "hidden");
    b.assert_clean();
}

#[test]
fn readonly_paths_reject_writes() {
    let mut b = Bundle::new("readonly");
    b.rootfs_file("/rodir/file.txt", "keep", 0o666);
    b.rootfs_file("/rwdir/file.txt", "free", 0o666);
    let ro = b.config["linux"]["readonlyPaths"].as_array_mut().unwrap();
    ro.extend([json!("/rodir"), json!("/missing/path")]);
    let v = b.sh("/probe write /rodir/file.txt x; /probe write /proc/sys/kernel/domainname x; \
         /probe write /rwdir/file.txt y; /probe report");
    assert_eq!(v[0]["errno"], EROFS, "/rodir: {}", v[0]);
    assert_eq!(v[1]["errno"], EROFS, "/proc/sys: {}", v[1]);
    assert_eq!(v[2]["ok"], true, "other paths stay writable: {}", v[2]);
    assert_eq!(options_of(mount_at(&v[3], "/rodir").expect("a mount at /rodir"))[0], "ro");
    if std::path::Path::new("/proc/bus").exists() {
        assert_eq!(options_of(mount_at(&v[3], "/proc/bus").expect("a mount at /proc/bus"))[0], "ro", "/proc/bus");
    }
    assert_eq!(std::fs::read_to_string(b.rootfs().join("rodir/file.txt")).unwrap(), "keep");
    assert!(!b.rootfs().join("missing").exists(), "a missing read-only path is not created");
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// linux.sysctl, linux.personality, linux.cgroupsPath

#[test]
fn sysctls_are_set_in_the_containers_namespaces() {
    let host_forward = std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap();
    let host_shmmax = std::fs::read_to_string("/proc/sys/kernel/shmmax").unwrap();
    let mut b = Bundle::new("sysctl");
    b.config["linux"]["sysctl"] =
        json!({"net.ipv4.ip_forward": "1", "kernel.shmmax": "123456789", "kernel.domainname": "via-sysctl"});
    let v = b.sh("/probe sysctl net.ipv4.ip_forward; /probe sysctl kernel.shmmax; /probe report");
    assert_eq!(v[0]["value"], "1");
    assert_eq!(v[1]["value"], "123456789");
    assert_eq!(v[2]["domainname"], "via-sysctl");
    assert_eq!(std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap(), host_forward, "host unchanged");
    assert_eq!(std::fs::read_to_string("/proc/sys/kernel/shmmax").unwrap(), host_shmmax, "host unchanged");
    b.assert_clean();
}

#[test]
fn sysctl_outside_the_containers_namespaces_fails_create() {
    for (key, namespaces) in [
        ("vm.swappiness", vec!["pid", "network", "ipc", "uts", "mount"]),
        ("net.ipv4.ip_forward", vec!["pid", "ipc", "uts", "mount"]),
    ] {
        let mut b = Bundle::new("sysctl-bad");
        b.set_namespaces(&namespaces);
        let mut sysctl = serde_json::Map::new();
        sysctl.insert(key.into(), json!("1"));
        b.config["linux"]["sysctl"] = Value::Object(sysctl);
        let out = b.create_detached();
        let err = assert_one_line_error(&out);
        assert!(err.contains("linux.sysctl") && err.contains(key), "{key}: {err}");
        b.assert_clean();
    }
}

#[test]
fn personality_linux32() {
    let mut b = Bundle::new("personality");
    b.config["linux"]["personality"] = json!({"domain": "LINUX32"});
    let out = b.sh_out("uname -m; /probe report");
    assert_eq!(stdout_of(&out).lines().next(), Some("i686"));
    assert_eq!(parse_json_line(&out.stdout)["personality"], 8, "PER_LINUX32");
    b.assert_clean();
}

#[test]
fn cgroups_path_is_used_in_every_hierarchy() {
    let mut b = Bundle::new("cgpath");
    let r = b.report();
    let cg = r["cgroup"].as_str().unwrap();
    let host_lines = std::fs::read_to_string("/proc/self/cgroup").unwrap().lines().count();
    assert_eq!(cg.lines().count(), host_lines, "{cg}");
    for line in cg.lines() {
        assert!(line.ends_with(&format!(":{}", b.cgroup)), "{line} is not in {}", b.cgroup);
    }
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// linux.rootfsPropagation

fn root_optional(r: &Value) -> Vec<String> {
    optional_of(mount_at(r, "/").expect("a / mount"))
}

#[test]
fn rootfs_propagation_unbindable() {
    let mut b = Bundle::new("rprop-unbindable");
    b.config["linux"]["rootfsPropagation"] = json!("unbindable");
    let r = b.report();
    assert!(root_optional(&r).iter().any(|o| o == "unbindable"), "{:?}", root_optional(&r));
    b.assert_clean();
}

#[test]
fn rootfs_propagation_shared() {
    let mut b = Bundle::new("rootprop-shared");
    b.config["linux"]["rootfsPropagation"] = json!("shared");
    let r = b.report();
    assert!(root_optional(&r).iter().any(|o| o.starts_with("shared:")), "/: {:?}", root_optional(&r));
    b.assert_clean();
}

#[test]
fn rootfs_propagation_rslave_under_a_shared_host_mount() {
    let mut b = Bundle::new("rootprop-slave");
    b.config["linux"]["rootfsPropagation"] = json!("rslave");
    b.write_config();
    let host = HostMount::shared_bind(b.path());
    let r = b.report();
    let opt = root_optional(&r);
    assert!(opt.iter().any(|o| o.starts_with("master:")), "/: {opt:?}");
    assert!(!opt.iter().any(|o| o.starts_with("shared:")), "/: {opt:?}");
    let leaked = host_mounts_under(&b.rootfs());
    drop(host);
    assert_eq!(leaked, Vec::<String>::new(), "container mounts reached the host");
    b.assert_clean();
}

#[test]
fn rootfs_propagation_private_does_not_leak_mounts_to_the_host() {
    // The rootfs sits under a shared host mount, as it does on any systemd
    // host; the non-recursive "private" must still keep the container's
    // mounts away from the host.
    for prop in ["private", "slave"] {
        let mut b = Bundle::new("rootprop-private");
        b.config["linux"]["rootfsPropagation"] = json!(prop);
        b.write_config();
        let host = HostMount::shared_bind(b.path());
        b.args(&["/probe", "report"]);
        let out = b.run();
        let leaked = host_mounts_under(&b.rootfs());
        drop(host);
        assert_eq!(
            leaked,
            Vec::<String>::new(),
            "{prop}: container mounts reached the host ({})",
            stderr_of(&out).trim()
        );
        assert_ok(&out, &format!("run with rootfsPropagation {prop}"));
        let r = parse_json_line(&out.stdout);
        if prop == "private" {
            assert_eq!(root_optional(&r), Vec::<String>::new(), "/ is private");
        }
        b.assert_clean();
    }
}
