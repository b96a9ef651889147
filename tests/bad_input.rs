mod common;
use common::*;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;

// ---------------------------------------------------------------------------
// Helpers

/// `berth --root R --log L --log-format json ARGS` (config.json untouched),
/// stdio in files. Returns the output and the log path.
fn berth_logged(b: &Bundle, args: &[&str]) -> (Output, PathBuf) {
    let log = b.path().join(format!("{}.log.json", unique("log")));
    let mut cmd = b.raw_cmd();
    cmd.arg("--log").arg(&log).args(["--log-format", "json"]).args(args);
    (output_via_files(cmd, b.path()), log)
}

/// A failure with one line on stderr that is also the last error in the JSON
/// log, and that mentions every needle. Returns the message.
fn check_failure(out: &Output, log: &Path, needles: &[&str]) -> String {
    let line = assert_one_line_error(out);
    let errors: Vec<String> = json_log_lines(log)
        .into_iter()
        .filter(|l| l["level"] == "error")
        .map(|l| l["msg"].as_str().unwrap().to_string())
        .collect();
    let last = errors.last().unwrap_or_else(|| panic!("no error line in the log for {line:?}"));
    assert!(
        line == *last || line.strip_prefix("berth: error: ") == Some(last.as_str()),
        "stderr {line:?} differs from the last error in the log {last:?}"
    );
    eprintln!("rejected: {line}");
    for n in needles {
        assert!(line.contains(n), "error {line:?} does not mention {n:?}");
    }
    line
}

/// Nothing of the bundle's container remains, and --root holds nothing.
fn assert_nothing_left(b: &Bundle) {
    b.assert_clean();
    b.assert_no_process();
    if let Ok(entries) = std::fs::read_dir(&b.root) {
        let names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
        assert!(names.is_empty(), "--root {} is not empty: {names:?}", b.root.display());
    }
}

/// Runs ARGS, expects a clean one-line failure naming the needles and nothing
/// left behind.
fn rejected(b: &Bundle, args: &[&str], needles: &[&str]) -> (Output, String) {
    let (out, log) = berth_logged(b, args);
    let msg = check_failure(&out, &log, needles);
    assert_nothing_left(b);
    (out, msg)
}

/// For `create` and `run`: a fresh bundle, `prepare` applied (config.json is
/// written before it), then the verb must be rejected cleanly.
fn rejects_bundle(name: &str, prepare: impl Fn(&mut Bundle), needles: &[&str], code: Option<i32>) {
    for verb in ["create", "run"] {
        let mut b = Bundle::new(name);
        b.write_config();
        prepare(&mut b);
        let bundle = b.bundle_arg();
        let (out, msg) = rejected(&b, &[verb, "--bundle", &bundle, &b.id], needles);
        if let Some(code) = code {
            assert_eq!(out.status.code(), Some(code), "{verb}: exit status for {msg:?}");
        }
    }
}

/// A `prepare` that edits config.json.
fn cfg(f: impl Fn(&mut Value)) -> impl Fn(&mut Bundle) {
    move |b: &mut Bundle| {
        f(&mut b.config);
        b.write_config();
    }
}

fn push(v: &mut Value, item: Value) {
    v.as_array_mut().unwrap().push(item);
}

// ---------------------------------------------------------------------------
// config.json and the bundle

#[test]
fn malformed_json() {
    rejects_bundle(
        "bad-json",
        |b| std::fs::write(b.path().join("config.json"), "{\"ociVersion\": \"1.2.1\", \"process\": ").unwrap(),
        &["config.json", "invalid JSON"],
        None,
    );
}

#[test]
fn missing_oci_version() {
    rejects_bundle(
        "bad-ver",
        cfg(|c| {
            c.as_object_mut().unwrap().remove("ociVersion");
        }),
        &["ociVersion", "missing"],
        None,
    );
}

#[test]
fn unsupported_oci_version() {
    rejects_bundle("bad-ver2", cfg(|c| c["ociVersion"] = json!("2.0.0")), &["ociVersion", "2.0.0"], None);
}

#[test]
fn unknown_namespace_type() {
    rejects_bundle(
        "bad-nstype",
        cfg(|c| push(&mut c["linux"]["namespaces"], json!({"type": "bogus"}))),
        &["linux.namespaces[5].type", "bogus"],
        None,
    );
}

#[test]
fn duplicate_namespace() {
    rejects_bundle(
        "bad-nsdup",
        cfg(|c| push(&mut c["linux"]["namespaces"], json!({"type": "pid", "path": "/proc/1/ns/pid"}))),
        &["linux.namespaces[5]", "pid", "twice"],
        None,
    );
}

#[test]
fn bad_container_ids_for_create_and_run() {
    for id in ["a/b", "..", ".", "", "a b", "../x"] {
        for verb in ["create", "run"] {
            let b = Bundle::new("bad-id");
            b.write_config();
            let bundle = b.bundle_arg();
            let quoted = format!("{id:?}");
            rejected(&b, &[verb, "--bundle", &bundle, id], &["container id", &quoted]);
            assert!(!b.root.join("a").exists() && !b.path().join("x").exists());
        }
    }
}

#[test]
fn bad_container_ids_for_other_verbs() {
    for id in ["a/b", "..", "", "../x"] {
        for verb in [&["start"][..], &["state"], &["kill"], &["delete"], &["delete", "--force"]] {
            let b = Bundle::new("bad-id2");
            let mut args = verb.to_vec();
            args.push(id);
            let quoted = format!("{id:?}");
            rejected(&b, &args, &["container id", &quoted]);
        }
    }
}

#[test]
fn bundle_without_rootfs() {
    rejects_bundle(
        "no-rootfs",
        |b| std::fs::remove_dir_all(b.rootfs()).unwrap(),
        &["root.path", "rootfs", "No such file"],
        None,
    );
}

#[test]
fn bundle_without_config() {
    rejects_bundle(
        "no-config",
        |b| std::fs::remove_file(b.path().join("config.json")).unwrap(),
        &["config.json", "No such file"],
        None,
    );
}

#[test]
fn mount_destination_escaping_through_symlink() {
    let target = PathBuf::from("/tmp").join(unique("berth-escape"));
    let t = target.clone();
    let prepare = move |b: &mut Bundle| {
        let link = format!("../../../../../../../..{}", t.display());
        std::os::unix::fs::symlink(link, b.rootfs().join("evil")).unwrap();
        push(&mut b.config["mounts"], json!({"destination": "/evil/sub", "type": "tmpfs", "source": "tmpfs"}));
        b.write_config();
    };
    let result = std::panic::catch_unwind(|| rejects_bundle("escape", prepare, &["mounts[5]", "/evil/sub"], None));
    let escaped = target.exists();
    let _ = std::process::Command::new("umount").arg("-l").arg(target.join("sub")).output();
    let _ = std::fs::remove_dir_all(&target);
    assert!(!escaped, "the mount escaped the rootfs: {} was created on the host", target.display());
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// An unknown capability name (a newer kernel's, say) is a warning naming
/// its place, in the JSON log too, and the container runs without it.
#[test]
fn unknown_capability_is_a_warning_and_the_container_runs() {
    let mut b = Bundle::new("bad-cap");
    b.args(&["/probe", "report"]);
    b.config["process"]["capabilities"]["bounding"] = json!(["CAP_NOPE", "CAP_KILL"]);
    b.config["process"]["capabilities"]["ambient"] = json!(["CAP_ALSO_NOPE"]);
    b.write_config();
    let (out, log) = berth_logged(&b, &["run", "--bundle", &b.bundle_arg(), &b.id]);
    assert_ok(&out, "run with unknown capabilities");
    let warnings = log_messages(&log, "warning");
    for needle in
        ["process.capabilities.bounding[0]: \"CAP_NOPE\"", "process.capabilities.ambient[0]: \"CAP_ALSO_NOPE\""]
    {
        assert!(warnings.iter().any(|w| w.contains(needle)), "no warning {needle:?} in {warnings:?}");
    }
    let report = parse_json_line(&out.stdout);
    assert_eq!(caps_of(&report, "bounding"), ["CAP_KILL"]);
    assert_nothing_left(&b);
}

#[test]
fn unknown_rlimit_type() {
    rejects_bundle(
        "bad-rlim",
        cfg(|c| c["process"]["rlimits"] = json!([{"type": "RLIMIT_NOPE", "soft": 1, "hard": 1}])),
        &["process.rlimits[0].type", "RLIMIT_NOPE"],
        None,
    );
}

#[test]
fn rlimit_soft_above_hard() {
    rejects_bundle(
        "bad-rlim2",
        cfg(|c| c["process"]["rlimits"] = json!([{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}])),
        &["process.rlimits[0]", "2048", "1024"],
        None,
    );
}

/// The message names the rlimit as the spec spells it, not as a Rust type.
#[test]
fn duplicate_rlimit_is_named_as_the_spec_spells_it() {
    rejects_bundle(
        "bad-rlim3",
        cfg(|c| {
            c["process"]["rlimits"] = json!([
                {"type": "RLIMIT_NOFILE", "soft": 10, "hard": 10},
                {"type": "RLIMIT_NOFILE", "soft": 20, "hard": 20}
            ])
        }),
        &["process.rlimits[1].type", "RLIMIT_NOFILE appears twice"],
        None,
    );
}

#[test]
fn executable_not_found_exits_127() {
    rejects_bundle(
        "no-exe",
        cfg(|c| c["process"]["args"] = json!(["/no-such-program"])),
        &["/no-such-program", "executable file not found"],
        Some(127),
    );
    rejects_bundle(
        "no-exe2",
        cfg(|c| c["process"]["args"] = json!(["no-such-program-in-path"])),
        &["no-such-program-in-path", "executable file not found"],
        Some(127),
    );
}

#[test]
fn executable_not_executable_exits_126() {
    rejects_bundle(
        "not-exe",
        |b| {
            let p = b.rootfs().join("notexec");
            std::fs::write(&p, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
            b.args(&["/notexec"]);
            b.write_config();
        },
        &["/notexec", "permission denied"],
        Some(126),
    );
}

#[test]
fn empty_args() {
    rejects_bundle("no-args", cfg(|c| c["process"]["args"] = json!([])), &["process.args"], None);
    rejects_bundle(
        "no-args2",
        cfg(|c| {
            c["process"].as_object_mut().unwrap().remove("args");
        }),
        &["process.args"],
        None,
    );
}

#[test]
fn relative_cwd() {
    rejects_bundle("rel-cwd", cfg(|c| c["process"]["cwd"] = json!("rel/dir")), &["process.cwd", "rel/dir"], None);
}

#[test]
fn namespace_path_that_does_not_exist() {
    rejects_bundle(
        "ns-missing",
        cfg(|c| c["linux"]["namespaces"][1] = json!({"type": "network", "path": "/no-such-dir/ns/net"})),
        &["linux.namespaces[1].path", "/no-such-dir/ns/net"],
        None,
    );
}

#[test]
fn namespace_path_of_the_wrong_type() {
    rejects_bundle(
        "ns-wrong",
        cfg(|c| c["linux"]["namespaces"][1] = json!({"type": "network", "path": "/proc/self/ns/ipc"})),
        &["linux.namespaces[1].path", "/proc/self/ns/ipc", "network"],
        None,
    );
    rejects_bundle(
        "ns-notns",
        cfg(|c| c["linux"]["namespaces"][1] = json!({"type": "network", "path": "/etc/hostname"})),
        &["linux.namespaces[1].path", "/etc/hostname", "not a namespace"],
        None,
    );
}

#[test]
fn hostname_without_uts_namespace() {
    rejects_bundle(
        "host-nouts",
        cfg(|c| c["linux"]["namespaces"].as_array_mut().unwrap().retain(|n| n["type"] != "uts")),
        &["hostname", "uts"],
        None,
    );
}

#[test]
fn uid_mappings_without_user_namespace() {
    rejects_bundle(
        "map-nouser",
        cfg(|c| {
            c["linux"]["uidMappings"] = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
            c["linux"]["gidMappings"] = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
        }),
        &["uidMappings", "user namespace"],
        None,
    );
}

#[test]
fn user_namespace_without_mappings() {
    rejects_bundle(
        "user-nomap",
        cfg(|c| push(&mut c["linux"]["namespaces"], json!({"type": "user"}))),
        &["uidMappings", "user namespace"],
        None,
    );
}

#[test]
fn unknown_sysctl() {
    rejects_bundle(
        "sysctl-unknown",
        cfg(|c| c["linux"]["sysctl"] = json!({"kernel.no_such_knob": "1"})),
        &["linux.sysctl", "kernel.no_such_knob"],
        None,
    );
    // Namespaced by name (net.*), but the kernel has no such file.
    rejects_bundle(
        "sysctl-unknown2",
        cfg(|c| c["linux"]["sysctl"] = json!({"net.ipv4.no_such_knob": "1"})),
        &["linux.sysctl", "net.ipv4.no_such_knob"],
        None,
    );
}

#[test]
fn non_namespaced_sysctl() {
    let before = std::fs::read_to_string("/proc/sys/vm/swappiness").unwrap();
    let want = if before.trim() == "17" { "18" } else { "17" };
    rejects_bundle(
        "sysctl-host",
        cfg(|c| c["linux"]["sysctl"] = json!({"vm.swappiness": want})),
        &["linux.sysctl", "vm.swappiness"],
        None,
    );
    assert_eq!(std::fs::read_to_string("/proc/sys/vm/swappiness").unwrap(), before, "the host's vm.swappiness changed");
}

#[test]
fn bind_mount_source_missing() {
    rejects_bundle(
        "bind-nosrc",
        cfg(|c| {
            push(
                &mut c["mounts"],
                json!({"destination": "/mnt", "type": "bind", "source": "/no-such-source-dir", "options": ["bind"]}),
            )
        }),
        &["mounts[5].source", "/no-such-source-dir"],
        None,
    );
}

#[test]
fn mount_without_type() {
    rejects_bundle(
        "mount-notype",
        cfg(|c| push(&mut c["mounts"], json!({"destination": "/mnt", "source": "none", "options": ["nosuid"]}))),
        &["mounts[5].type"],
        None,
    );
}

// ---------------------------------------------------------------------------
// Command-line options

#[test]
fn console_socket_missing_with_terminal() {
    let prepare = |b: &mut Bundle| {
        b.config["process"]["terminal"] = json!(true);
        b.write_config();
    };
    for verb in ["create", "run"] {
        let mut b = Bundle::new("console-missing");
        prepare(&mut b);
        let sock = b.path().join("no-such.sock");
        let sock = sock.to_str().unwrap();
        let bundle = b.bundle_arg();
        rejected(&b, &[verb, "--console-socket", sock, "--bundle", &bundle, &b.id], &["--console-socket", sock]);
    }
}

#[test]
fn terminal_without_console_socket() {
    let mut b = Bundle::new("console-none");
    b.config["process"]["terminal"] = json!(true);
    b.write_config();
    let bundle = b.bundle_arg();
    rejected(&b, &["create", "--bundle", &bundle, &b.id], &["process.terminal", "--console-socket"]);
}

#[test]
fn systemd_cgroup_without_systemd() {
    if Path::new("/run/systemd/system").exists() {
        eprintln!("skipped: this host runs systemd");
        return;
    }
    for verb in ["create", "run"] {
        let mut b = Bundle::new("systemd");
        // A well-formed systemd path, so the error is about systemd itself.
        b.config["linux"]["cgroupsPath"] = json!(format!("system.slice:berth:{}", b.id));
        b.write_config();
        let bundle = b.bundle_arg();
        rejected(&b, &["--systemd-cgroup", verb, "--bundle", &bundle, &b.id], &["--systemd-cgroup", "not running"]);
    }
}

#[test]
fn preserve_fds_that_are_not_open() {
    for verb in ["create", "run"] {
        let b = Bundle::new("preserve");
        b.write_config();
        let bundle = b.bundle_arg();
        rejected(&b, &[verb, "--preserve-fds", "5", "--bundle", &bundle, &b.id], &["--preserve-fds 5", "not open"]);
    }
}

/// The log file berth opens itself is not one of the caller's fds: with
/// `--log` taking fd 3, `--preserve-fds 1` must still fail when the caller
/// has no fd 3.
#[test]
fn preserve_fds_does_not_count_the_log_file() {
    let b = Bundle::new("preserve-log");
    b.write_config();
    let bundle = b.bundle_arg();
    rejected(
        &b,
        &["create", "--preserve-fds", "1", "--bundle", &bundle, &b.id],
        &["--preserve-fds 1", "fd 3", "not open"],
    );
}

// ---------------------------------------------------------------------------
// Lifecycle misuse

#[test]
fn create_of_an_existing_id() {
    let mut b = Bundle::new("exists");
    b.args(&["/probe", "exit", "0"]);
    let before = b.create_ok();
    assert_eq!(before["status"], "created");
    let cgroups_before: Vec<_> = cgroup_dirs(&b.cgroup).into_iter().filter(|d| d.exists()).collect();
    assert!(!cgroups_before.is_empty(), "created container has no cgroup");
    let bundle = b.bundle_arg();
    let quoted = format!("{:?}", b.id);
    for verb in ["create", "run"] {
        let (out, log) = berth_logged(&b, &[verb, "--bundle", &bundle, &b.id]);
        check_failure(&out, &log, &[&quoted, "already exists"]);
        let now = b.state();
        assert_eq!(now["status"], "created", "existing container changed: {now}");
        assert_eq!(now["pid"], before["pid"], "existing container changed: {now}");
        assert!(b.root.join(&b.id).join("state.json").exists());
        let cgroups_now: Vec<_> = cgroup_dirs(&b.cgroup).into_iter().filter(|d| d.exists()).collect();
        assert_eq!(cgroups_now, cgroups_before);
    }
    // It still starts and runs to completion.
    assert_ok(&b.berth(&["start", &b.id]), "start");
    b.wait_status("stopped");
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    assert_nothing_left(&b);
}

#[test]
fn verbs_on_an_unknown_container() {
    for verb in [&["start"][..], &["state"], &["kill"], &["kill", "--all"], &["delete"]] {
        let b = Bundle::new("unknown");
        let mut args = verb.to_vec();
        args.push(&b.id);
        if verb[0] == "kill" {
            args.push("KILL");
        }
        let quoted = format!("{:?}", b.id);
        rejected(&b, &args, &["container does not exist", &quoted]);
        // Also with a --root that exists.
        std::fs::create_dir_all(&b.root).unwrap();
        rejected(&b, &args, &["container does not exist", &quoted]);
    }
}

#[test]
fn kill_and_start_of_a_stopped_container() {
    let mut b = Bundle::new("stopped");
    b.args(&["/probe", "exit", "0"]);
    b.create_ok();
    assert_ok(&b.berth(&["start", &b.id]), "start");
    b.wait_status("stopped");
    let quoted = format!("{:?}", b.id);
    let (out, log) = berth_logged(&b, &["kill", &b.id, "KILL"]);
    check_failure(&out, &log, &["container not running", &quoted]);
    let (out, log) = berth_logged(&b, &["start", &b.id]);
    check_failure(&out, &log, &["stopped", &quoted]);
    assert_eq!(b.state()["status"], "stopped");
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    assert_nothing_left(&b);
}

#[test]
fn start_twice() {
    let mut b = Bundle::new("start2");
    b.args(&["/probe", "sleep", "30"]);
    b.create_ok();
    assert_ok(&b.berth(&["start", &b.id]), "start");
    let running = b.state();
    assert_eq!(running["status"], "running");
    let quoted = format!("{:?}", b.id);
    let (out, log) = berth_logged(&b, &["start", &b.id]);
    check_failure(&out, &log, &["running", &quoted]);
    let now = b.state();
    assert_eq!(now["status"], "running");
    assert_eq!(now["pid"], running["pid"]);
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete --force");
    assert_nothing_left(&b);
}

#[test]
fn delete_of_a_running_container_needs_force() {
    let mut b = Bundle::new("del-running");
    b.args(&["/probe", "sleep", "30"]);
    b.create_ok();
    assert_ok(&b.berth(&["start", &b.id]), "start");
    let quoted = format!("{:?}", b.id);
    let (out, log) = berth_logged(&b, &["delete", &b.id]);
    check_failure(&out, &log, &["running", "--force", &quoted]);
    assert_eq!(b.state()["status"], "running", "a refused delete changed the container");
    let out = b.berth(&["delete", "--force", &b.id]);
    assert_ok(&out, "delete --force");
    assert!(out.stderr.is_empty(), "delete --force wrote to stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_nothing_left(&b);
}

#[test]
fn delete_force_of_an_unknown_id_succeeds() {
    let b = Bundle::new("del-unknown");
    for _ in 0..2 {
        let out = b.berth(&["delete", "--force", &b.id]);
        assert_ok(&out, "delete --force of an unknown id");
        assert!(out.stderr.is_empty(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
        std::fs::create_dir_all(&b.root).unwrap();
    }
    assert_nothing_left(&b);
}

/// Creates a container whose init waits for `start`; returns its host pid
/// and a guard that kills it should berth not have.
fn created_container(b: &mut Bundle) -> (i32, KillOnDrop) {
    b.args(&["/probe", "sleep", "30"]);
    let st = b.create_ok();
    let pid = st["pid"].as_i64().unwrap() as i32;
    assert!(pid > 0);
    (pid, KillOnDrop::new(pid))
}

fn kill9(pid: i32) {
    // SAFETY: kill with integer arguments; pid is our container's init, alive.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
}

fn delete_force_cleans(b: &Bundle) {
    let out = b.berth(&["delete", "--force", &b.id]);
    assert_ok(&out, "delete --force");
    assert_nothing_left(b);
}

#[test]
fn delete_force_after_init_was_killed() {
    let mut b = Bundle::new("half-killed");
    let (pid, _guard) = created_container(&mut b);
    kill9(pid);
    delete_force_cleans(&b);
}

/// As if `create` died after saving its first state (status creating, no pid
/// yet) but after making the cgroup.
#[test]
fn delete_force_of_a_container_still_creating() {
    let mut b = Bundle::new("half-creating");
    let (pid, _guard) = created_container(&mut b);
    kill9(pid);
    let path = b.root.join(&b.id).join("state.json");
    let mut st: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    st["status"] = json!("creating");
    st["pid"] = json!(0);
    st["pid_start"] = json!(0);
    std::fs::write(&path, serde_json::to_vec(&st).unwrap()).unwrap();
    delete_force_cleans(&b);
}

/// Labels for a security module this host does not run: a warning naming
/// the field, then the container runs without them (as under crun).
#[test]
fn apparmor_and_selinux_labels_on_a_host_without_them_are_warnings() {
    for (field, set) in [
        (
            "process.apparmorProfile",
            &(|c: &mut Value| c["process"]["apparmorProfile"] = json!("my-profile")) as &dyn Fn(&mut Value),
        ),
        ("process.selinuxLabel", &|c: &mut Value| {
            c["process"]["selinuxLabel"] = json!("system_u:system_r:container_t:s0")
        }),
        ("linux.mountLabel", &|c: &mut Value| {
            c["linux"]["mountLabel"] = json!("system_u:object_r:container_file_t:s0")
        }),
    ] {
        let mut b = Bundle::new("labels");
        set(&mut b.config);
        b.args(&["/bin/true"]);
        let out = b.run();
        assert_ok(&out, field);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(field) && err.contains("ignored"), "{field}: no warning: {err}");
        b.assert_clean();
    }
}

/// Fields berth cannot honour yet are refused, never silently ignored.
#[test]
fn unsupported_linux_fields_are_refused() {
    for (key, value, field) in [
        ("intelRdt", json!({"closID": "x"}), "linux.intelRdt"),
        ("netDevices", json!({"eth9": {"name": "eth0"}}), "linux.netDevices"),
        ("memoryPolicy", json!({"mode": "MPOL_BIND", "nodes": "0-9999"}), "linux.memoryPolicy.nodes"),
    ] {
        let mut b = Bundle::new("unsupported");
        b.config["linux"][key] = value;
        let err = assert_one_line_error(&b.run());
        assert!(err.contains(field), "{field}: {err}");
        b.assert_clean();
    }
}

/// --systemd-cgroup checks the slice:prefix:name form first.
#[test]
fn systemd_cgroup_with_a_malformed_path() {
    let b = Bundle::new("systemd-path");
    let bundle = b.bundle_arg();
    b.write_config();
    rejected(
        &b,
        &["--systemd-cgroup", "create", "--bundle", &bundle, &b.id],
        &["linux.cgroupsPath", "slice:prefix:name"],
    );
}
