//! Where engines and scripts rely on runc's behaviour (issue 17's list),
//! one test per item, named by its number. Each checks from inside the
//! container where the item is about what the container sees.
mod common;
use common::*;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;

fn all_sets(caps: &[&str]) -> Value {
    json!({"bounding": caps, "effective": caps, "permitted": caps, "inheritable": caps, "ambient": caps})
}

/// 3: a user holding CAP_DAC_OVERRIDE may exec a program only root's mode
/// bits allow; execve decides, not a prediction of it.
#[test]
fn item_03_exec_permission_is_left_to_execve() {
    let mut b = Bundle::new("r17-dac");
    let private = b.rootfs().join("probe-root-only");
    std::fs::copy(b.rootfs().join("probe"), &private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000});
    b.config["process"]["capabilities"] = all_sets(&["CAP_DAC_OVERRIDE"]);
    b.config["process"]["noNewPrivileges"] = json!(false);
    b.args(&["/probe-root-only", "report"]);
    let out = b.run();
    assert_ok(&out, "run a 0700 root program as uid 1000 with CAP_DAC_OVERRIDE");
    assert_eq!(parse_json_line(&out.stdout)["uid"], 1000);
    b.assert_clean();
}

/// 5: `exec --user 0` into a cwd only another uid may enter: the directory
/// is entered while the process still holds its privileges, as runc does.
#[test]
fn item_05_exec_enters_the_cwd_before_dropping_privileges() {
    let b = running("r17-cwd", |b| {
        let home = b.rootfs().join("home/u");
        std::fs::create_dir_all(&home).unwrap();
        std::os::unix::fs::chown(&home, Some(1000), Some(1000)).unwrap();
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000});
        b.config["process"]["cwd"] = json!("/home/u");
    });
    let out = b.berth(&["exec", "--user", "0", &b.id, "/probe", "report"]);
    assert_ok(&out, "exec --user 0 into a 0700 cwd of uid 1000");
    let r = parse_json_line(&out.stdout);
    assert_eq!((&r["uid"], &r["cwd"]), (&json!(0), &json!("/home/u")));
    stop(&b);
}

/// 13: startContainer hooks run under the container's seccomp filter.
#[test]
fn item_13_start_container_hooks_run_under_the_filter() {
    let mut b = Bundle::new("r17-hook-filter");
    b.config["linux"]["seccomp"] = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
    });
    b.config["hooks"] = json!({"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "/probe syscall 110 > /hook-out"]}
    ]});
    b.args(&["/bin/true"]);
    assert_ok(&b.run(), "run");
    let v: Value = serde_json::from_slice(&std::fs::read(b.rootfs().join("hook-out")).unwrap()).unwrap();
    assert_eq!(v["errno"], 1, "the hook's getppid was not filtered: {v}");
    b.assert_clean();
}

/// 20: a startContainer hook without `env` gets the container's
/// environment, as runc gives it, so a plain `sh -c` hook finds its tools.
#[test]
fn item_20_hooks_without_env_get_the_containers_environment() {
    let mut b = Bundle::new("r17-hook-env");
    b.config["process"]["env"] = json!(["PATH=/bin:/usr/bin", "FROM_CONFIG=yes"]);
    b.config["hooks"] = json!({"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "echo \"$PATH $FROM_CONFIG\" > /hook-env; true"]}
    ]});
    b.args(&["/bin/true"]);
    assert_ok(&b.run(), "run");
    assert_eq!(std::fs::read_to_string(b.rootfs().join("hook-env")).unwrap(), "/bin:/usr/bin yes\n");
    b.assert_clean();
}

fn mount_options_at(r: &Value, point: &str) -> Vec<String> {
    let m = mount_at(r, point).unwrap_or_else(|| panic!("nothing mounted at {point}"));
    m["options"].as_str().unwrap().split(',').map(String::from).collect()
}

/// 7: a read-only /dev tmpfs: the nodes, symlinks and devpts are made
/// first, the remount read-only comes last.
#[test]
fn item_07_a_read_only_dev_is_filled_first() {
    let mut b = Bundle::new("r17-ro-dev");
    for m in b.config["mounts"].as_array_mut().unwrap() {
        if m["destination"] == "/dev" {
            m["options"].as_array_mut().unwrap().push(json!("ro"));
        }
    }
    let r = b.report();
    assert!(mount_options_at(&r, "/dev").contains(&"ro".to_string()), "/dev is not read-only");
    let null = b.probe(&["stat", "/dev/null"]);
    assert_eq!(null["kind"], "char", "{null}");
    assert!(mount_at(&b.report(), "/dev/pts").is_some(), "no devpts under a read-only /dev");
    b.assert_clean();
}

/// 8: a tmpfs over an existing directory keeps its mode, setuid, setgid and
/// sticky bits included (runc#3952).
#[test]
fn item_08_a_tmpfs_keeps_the_covered_directorys_mode() {
    let mut b = Bundle::new("r17-tmpfs-mode");
    let dir = b.rootfs().join("shared");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o7777)).unwrap();
    b.config["mounts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"destination": "/shared", "type": "tmpfs", "source": "tmpfs"}));
    let st = b.probe(&["stat", "/shared"]);
    assert_eq!(st["mode"], 0o7777, "{st}");
    b.assert_clean();
}

/// 9: proc or sysfs on a symlink (even to itself) is refused.
#[test]
fn item_09_proc_and_sysfs_need_an_ordinary_directory() {
    for (dest, link) in [("proc", "proc"), ("proc", "/tmp"), ("sys", "sys")] {
        let b = Bundle::new("r17-proc-link");
        let p = b.rootfs().join(dest);
        let _ = std::fs::remove_dir(&p);
        std::os::unix::fs::symlink(link, &p).unwrap();
        let err = assert_one_line_error(&b.run());
        assert!(err.contains("must be mounted on an ordinary directory") && err.contains(dest), "{err}");
        b.assert_clean();
    }
}

/// 11: the recursive atime options, applied to the whole tree.
#[test]
fn item_11_recursive_atime_options() {
    for (opt, want) in
        [("rnoatime", "noatime"), ("rstrictatime", ""), ("rrelatime", "relatime"), ("rnodiratime", "nodiratime")]
    {
        let mut b = Bundle::new("r17-ratime");
        b.config["mounts"]
            .as_array_mut()
            .unwrap()
            .push(json!({"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": [opt]}));
        let opts = mount_options_at(&b.report(), "/data");
        if want.is_empty() {
            assert!(!opts.iter().any(|o| o == "noatime" || o == "relatime"), "{opt}: {opts:?}");
        } else {
            assert!(opts.contains(&want.to_string()), "{opt}: {opts:?}");
        }
        b.assert_clean();
    }
}

/// 14 and 15: NOTIFY on write is refused naming the rule; an agent that
/// is not listening is `failed to connect with seccomp agent` and its path.
#[test]
fn item_14_15_seccomp_notify_rules() {
    let b = Bundle::new("r17-notify");
    let sock = b.path().join("no-agent.sock");
    let mut b = b;
    b.config["linux"]["seccomp"] = json!({
        "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": sock,
        "syscalls": [{"names": ["getppid", "write"], "action": "SCMP_ACT_NOTIFY"}]
    });
    let err = assert_one_line_error(&b.run());
    assert!(err.contains("linux.seccomp.syscalls[0].names[1]") && err.contains("write"), "{err}");
    b.assert_clean();
    b.config["linux"]["seccomp"]["syscalls"][0]["names"] = json!(["getppid"]);
    let err = assert_one_line_error(&b.run());
    assert!(err.contains("failed to connect with seccomp agent") && err.contains("no-agent.sock"), "{err}");
    b.assert_clean();
}

/// 16: device access letters other than r, w, m are ignored with a
/// warning naming them, and never widen the rule.
#[test]
fn item_16_device_access_letters_runc_ignores() {
    let mut b = Bundle::new("r17-dev-access");
    b.config["linux"]["resources"] = json!({"devices": [
        {"allow": false, "access": "rwm"},
        {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwa"}
    ]});
    b.args(&["sh", "-c", "echo x > /dev/null && echo written"]);
    let out = b.run();
    assert_ok(&out, "run with access rwa");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "written");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("linux.resources.devices[1].access") && err.contains("ignored"), "no warning: {err}");
    b.assert_clean();
}

/// 17: exec --process without `user` (or `cwd`) runs as uid 0 in /, as runc
/// reads it.
#[test]
fn item_17_exec_process_without_user() {
    let b = running("r17-exec-nouser", |b| b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000}));
    let p = b.path().join("process.json");
    std::fs::write(&p, r#"{"args": ["/probe", "report"], "env": ["PATH=/bin"]}"#).unwrap();
    let out = b.berth(&["exec", "--process", p.to_str().unwrap(), &b.id]);
    assert_ok(&out, "exec --process without user");
    let r = parse_json_line(&out.stdout);
    assert_eq!((&r["uid"], &r["gid"], &r["cwd"]), (&json!(0), &json!(0), &json!("/")));
    stop(&b);
}

/// 18: signal 0 checks liveness, for init and with --all.
#[test]
fn item_18_kill_with_signal_zero() {
    let b = running("r17-kill0", |_| {});
    assert_ok(&b.berth(&["kill", &b.id, "0"]), "kill ID 0");
    assert_ok(&b.berth(&["kill", "-a", &b.id, "0"]), "kill -a ID 0");
    assert_eq!(b.state()["status"], "running");
    stop(&b);
}

/// 19 and 21: a namespace with `"path": ""` is a new one; the same entry
/// twice counts once, with a warning; two different entries of one type are
/// still an error.
#[test]
fn item_19_21_namespace_entries_as_runc_reads_them() {
    let mut b = Bundle::new("r17-ns");
    let ns = b.config["linux"]["namespaces"].as_array_mut().unwrap();
    ns.retain(|n| n["type"] != "network");
    ns.push(json!({"type": "network", "path": ""}));
    ns.push(json!({"type": "uts"}));
    b.args(&["/probe", "report"]);
    let out = b.run();
    assert_ok(&out, "run");
    let r = parse_json_line(&out.stdout);
    assert_ne!(r["namespaces"]["net"], json!(ns_inode("self", "net")), "path \"\" must mean a new namespace");
    assert!(String::from_utf8_lossy(&out.stderr).contains("appears twice; counted once"));
    b.assert_clean();
    let ns = b.config["linux"]["namespaces"].as_array_mut().unwrap();
    ns.pop();
    ns.push(json!({"type": "uts", "path": "/proc/1/ns/uts"}));
    let err = assert_one_line_error(&b.run());
    assert!(err.contains("appears twice"), "{err}");
    b.assert_clean();
}

/// 23: `list --format json` keys in runc's order.
#[test]
fn item_23_list_json_keys_in_runcs_order() {
    let b = running("r17-list", |_| {});
    let out = b.berth(&["list", "--format", "json"]);
    assert_ok(&out, "list");
    let text = String::from_utf8_lossy(&out.stdout);
    let keys = ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"];
    let at: Vec<usize> =
        keys.iter().map(|k| text.find(&format!("\"{k}\"")).unwrap_or_else(|| panic!("{k}: {text}"))).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "keys out of runc's order: {text}");
    stop(&b);
}

fn v1_controller(name: &str) -> Option<std::path::PathBuf> {
    let p = std::path::Path::new("/sys/fs/cgroup").join(name);
    if p.join("cgroup.procs").exists() {
        Some(p)
    } else {
        eprintln!("skip: no v1 {name} hierarchy on this host");
        None
    }
}

/// 2: a cgroupsPath naming a frozen cgroup is refused at once (it used to
/// hang, the child frozen on entry); nothing is left, nothing stays frozen.
#[test]
fn item_02_a_frozen_cgroup_is_refused_not_waited_on() {
    let Some(freezer) = v1_controller("freezer") else { return };
    let b = Bundle::new("r17-frozen");
    let dir = freezer.join(b.cgroup.trim_start_matches('/'));
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("freezer.state"), "FROZEN").unwrap();
    let started = std::time::Instant::now();
    let out = b.run();
    let took = started.elapsed();
    std::fs::write(dir.join("freezer.state"), "THAWED").unwrap();
    std::fs::remove_dir(&dir).unwrap();
    assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
    let err = assert_one_line_error(&out);
    assert!(err.contains("linux.cgroupsPath") && err.contains("frozen"), "{err}");
    b.assert_clean();
    b.assert_no_process();
}

/// 25: a cgroup that already holds processes: runc's warning, then the
/// container runs.
#[test]
fn item_25_a_cgroup_with_processes_is_a_warning() {
    let Some(pids) = v1_controller("pids") else { return };
    let mut b = Bundle::new("r17-busy");
    let dir = pids.join(b.cgroup.trim_start_matches('/'));
    std::fs::create_dir(&dir).unwrap();
    let mut sleeper = std::process::Command::new("sleep").arg("30").spawn().unwrap();
    std::fs::write(dir.join("cgroup.procs"), sleeper.id().to_string()).unwrap();
    b.args(&["/bin/true"]);
    let out = b.run();
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    let _ = std::fs::remove_dir(&dir);
    assert_ok(&out, "run in a busy cgroup");
    assert!(String::from_utf8_lossy(&out.stderr).contains("container's cgroup is not empty"), "{out:?}");
    b.assert_clean();
}

/// 22: exec failing before the process exists exits 255, as runc's.
#[test]
fn item_22_exec_failures_before_the_process_exit_255() {
    let b = running("r17-exec255", |_| {});
    let out = b.berth(&["exec", "--pid-file", "/nonexistent/dir/pid", &b.id, "true"]);
    assert_eq!(out.status.code(), Some(255), "missing pid-file directory: {out:?}");
    assert_ok(&b.berth(&["pause", &b.id]), "pause");
    let out = b.berth(&["exec", &b.id, "true"]);
    assert_eq!(out.status.code(), Some(255), "paused: {out:?}");
    assert_ok(&b.berth(&["resume", &b.id]), "resume");
    stop(&b);
}

/// 26: the phrases engines match, and the word `error` on stderr.
#[test]
fn item_26_error_texts_engines_match() {
    let b = running("r17-texts", |_| {});
    let bundle = b.bundle_arg();
    let err = assert_one_line_error(&b.berth(&["create", "--bundle", &bundle, &b.id]));
    assert!(err.starts_with("berth: error: ") && err.contains("container with given ID already exists"), "{err}");
    let err = assert_one_line_error(&b.berth(&["exec", "--cgroup", "../x", &b.id, "true"]));
    assert!(err.contains("is not a sub cgroup path"), "{err}");
    stop(&b);
    let mut c = Bundle::new("r17-invalid");
    c.config["process"]["cwd"] = json!("relative");
    let err = assert_one_line_error(&c.run());
    assert!(err.contains("invalid configuration") && err.contains("process.cwd"), "{err}");
    c.assert_clean();
}

/// Runs the bundle with a terminal through a console socket; returns what
/// the process wrote on the pty.
fn run_on_pty(b: &Bundle) -> String {
    b.write_config();
    let sock = b.path().join("console.sock");
    let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let mut child = std::process::Command::new(berth_bin())
        .arg("--root")
        .arg(&b.root)
        .args(["run", "--console-socket", sock.to_str().unwrap(), "--bundle", &b.bundle_arg(), &b.id])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (conn, _) = listener.accept().unwrap();
    let out = read_pty(recv_fd(&conn).expect("no pty master"));
    assert!(child.wait().unwrap().success(), "berth run failed");
    String::from_utf8_lossy(&out).replace('\r', "")
}

/// 4: the console belongs to the process's user: its uid, and its gid
/// unless devpts's `gid=` gave it the tty group.
#[test]
fn item_04_the_console_is_the_users() {
    for (pts_gid, want_gid) in [(None, 1000), (Some("gid=5"), 5)] {
        let mut b = Bundle::new("r17-console");
        b.config["process"]["terminal"] = json!(true);
        b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000});
        if let Some(opt) = pts_gid {
            for m in b.config["mounts"].as_array_mut().unwrap() {
                if m["destination"] == "/dev/pts" {
                    m["options"].as_array_mut().unwrap().push(json!(opt));
                }
            }
        }
        b.args(&["/probe", "stat", "/dev/pts/0"]);
        let out = run_on_pty(&b);
        let line = out.lines().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no JSON: {out}"));
        let st: Value = serde_json::from_str(line).unwrap();
        assert_eq!((&st["uid"], &st["gid"]), (&json!(1000), &json!(want_gid)), "{pts_gid:?}: {st}");
        b.assert_clean();
    }
}

/// 12: `update` of a cpu period and quota whose new pair is valid only if
/// the quota is written first (the parent limits the ratio): runc retries
/// the period after the quota.
#[test]
fn item_12_update_cpu_period_and_quota_in_either_order() {
    let Some(cpu) = v1_controller("cpu") else { return };
    if !cpu.join("cpu.cfs_quota_us").exists() {
        eprintln!("skip: no cpu.cfs_quota_us");
        return;
    }
    let parent_rel = format!("berth-test-r17-pod-{}", std::process::id());
    let parent = cpu.join(&parent_rel);
    std::fs::create_dir(&parent).unwrap();
    std::fs::write(parent.join("cpu.cfs_quota_us"), "50000").unwrap();
    let b = running("r17-cpu", |b| {
        b.cgroup = format!("/{parent_rel}/{}", b.id);
        b.config["linux"]["cgroupsPath"] = json!(b.cgroup);
        b.config["linux"]["resources"] = json!({"cpu": {"quota": 50000, "period": 100000}});
    });
    let dir = cpu.join(b.cgroup.trim_start_matches('/'));
    let out = b.berth(&["update", "--cpu-period", "50000", "--cpu-quota", "25000", &b.id]);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap().trim().to_string();
    let got = (read("cpu.cfs_period_us"), read("cpu.cfs_quota_us"));
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete");
    for h in std::fs::read_dir("/sys/fs/cgroup").unwrap().flatten() {
        let _ = std::fs::remove_dir(h.path().join(&parent_rel));
    }
    assert_ok(&out, "update period 50000 quota 25000");
    assert_eq!(got, ("50000".to_string(), "25000".to_string()));
    b.assert_clean();
}

/// 24: with --debug, run and exec log their steps at level debug.
#[test]
fn item_24_debug_lines_for_run_and_exec() {
    let b = running("r17-debug", |_| {});
    let log = b.path().join("debug.json");
    let l = log.to_str().unwrap();
    assert_ok(&b.berth(&["--debug", "--log", l, "--log-format", "json", "exec", &b.id, "true"]), "exec");
    let lines = log_messages(&log, "debug");
    assert!(lines.iter().any(|m| m.starts_with(&format!("exec {}: into init", b.id))), "{lines:?}");
    assert!(lines.iter().any(|m| m.contains("ended with status 0")), "{lines:?}");
    stop(&b);
    let mut r = Bundle::new("r17-debug-run");
    r.args(&["/bin/true"]);
    let log = r.path().join("debug.json");
    let bundle = r.bundle_arg();
    let l = log.to_str().unwrap();
    assert_ok(&r.berth(&["--debug", "--log", l, "--log-format", "json", "run", "--bundle", &bundle, &r.id]), "run");
    let lines = log_messages(&log, "debug");
    for step in ["created", "started", "ended with status 0", "deleted"] {
        assert!(lines.iter().any(|m| m.starts_with(&format!("run {}", r.id)) && m.contains(step)), "{step}: {lines:?}");
    }
    r.assert_clean();
}

/// 1: with --no-pivot, no fully visible procfs or sysfs of the host stays
/// in the container's mount namespace, so a process in a new user and pid
/// namespace cannot mount a procfs of its own (it can't with pivot_root
/// either, the container's /proc having masked paths).
#[test]
fn item_01_no_pivot_leaves_no_fully_visible_procfs() {
    for no_pivot in [false, true] {
        let mut b = Bundle::new("r17-nopivot");
        std::fs::create_dir_all(b.rootfs().join("mnt")).unwrap();
        // Not uid 0: mapping uid 0 into a new user namespace needs CAP_SETFCAP.
        b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000});
        b.args(&["/bin/busybox", "unshare", "-mrpf", "/bin/busybox", "mount", "-t", "proc", "proc", "/mnt"]);
        b.write_config();
        let bundle = b.bundle_arg();
        let mut args = vec!["run"];
        if no_pivot {
            args.push("--no-pivot");
        }
        args.extend(["--bundle", &bundle, &b.id]);
        let out = b.berth(&args);
        assert!(!out.status.success(), "no_pivot={no_pivot}: a new procfs could be mounted: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("mount: permission denied"), "no_pivot={no_pivot}: failed for another reason: {err}");
        b.assert_clean();
    }
}

/// 10: peers that never answer (a seccomp agent, a console socket that is
/// never accepted) do not hold create or start: each ends within seconds.
#[test]
fn item_10_silent_peers_do_not_hold_create() {
    let mut b = Bundle::new("r17-silent");
    let agent = b.path().join("agent.sock");
    let _agent = std::os::unix::net::UnixListener::bind(&agent).unwrap();
    let console = b.path().join("console.sock");
    let _console = std::os::unix::net::UnixListener::bind(&console).unwrap();
    b.config["linux"]["seccomp"] = json!({
        "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": agent,
        "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}]
    });
    b.config["process"]["terminal"] = json!(true);
    b.args(&["/bin/true"]);
    let started = std::time::Instant::now();
    let bundle = b.bundle_arg();
    assert_ok(
        &b.berth(&["create", "--console-socket", console.to_str().unwrap(), "--bundle", &bundle, &b.id]),
        "create",
    );
    assert_ok(&b.berth(&["start", &b.id]), "start");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "took {:?}", started.elapsed());
    stop(&b);
}

/// 6: in a user namespace, a bind source that only the host's root can
/// reach is opened from the host side, before the namespace, and mounted
/// by fd, as runc does: the container (mapped root, host uid 100000) sees
/// the directory, whose own mode lets it in.
#[test]
fn item_06_bind_sources_only_the_hosts_root_can_reach() {
    let mut b = Bundle::new("r17-userns-bind");
    std::fs::set_permissions(b.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let map = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
    b.config["linux"]["namespaces"].as_array_mut().unwrap().push(json!({"type": "user"}));
    b.config["linux"]["uidMappings"] = map.clone();
    b.config["linux"]["gidMappings"] = map;
    let hidden = b.path().join("hidden");
    let shared = hidden.join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(shared.join("file"), "seen\n").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(shared.join("file"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&hidden, std::fs::Permissions::from_mode(0o700)).unwrap();
    // The mapped root cannot make directories in the host root's rootfs.
    std::fs::create_dir(b.rootfs().join("shared")).unwrap();
    b.config["mounts"].as_array_mut().unwrap().push(json!(
        {"destination": "/shared", "type": "bind", "source": shared, "options": ["rbind", "ro"]}
    ));
    let v = b.probe(&["read", "/shared/file"]);
    assert_eq!(v["data"], "seen\n", "{v}");
    b.assert_clean();
    // A mount point the mapped root cannot make: init's own error is the one
    // reported, not the broken pipe the parent sees once init is gone.
    b.config["mounts"].as_array_mut().unwrap().push(json!(
        {"destination": "/not-makeable", "type": "bind", "source": shared, "options": ["rbind"]}
    ));
    let err = assert_one_line_error(&b.run());
    assert!(err.contains("mounts[") && err.contains("not-makeable") && !err.contains("EPIPE"), "{err}");
    b.assert_clean();
}

/// A new network namespace has its loopback up, as runc and crun leave it:
/// a service on 127.0.0.1 inside the container is reachable there.
#[test]
fn a_new_network_namespace_has_loopback_up() {
    let mut b = Bundle::new("lo-up");
    b.args(&["sh", "-c", "ip link show lo; (echo served | nc -l -p 8080 &); for i in $(seq 50); do nc 127.0.0.1 8080 && break; sleep 0.1; done"]);
    let out = b.run();
    assert_ok(&out, "run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("LOOPBACK,UP") && text.contains("served"), "{text}");
    b.assert_clean();
}
