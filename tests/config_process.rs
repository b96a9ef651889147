mod common;
use common::*;
mod config_common;
use config_common::*;

use serde_json::{json, Value};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------
// process.args, process.env, process.cwd

#[test]
fn args_are_passed_verbatim() {
    let mut b = Bundle::new("args");
    let r = b.probe(&["report", "two words", "", "--flag=x", "ünïcode", "$HOME"]);
    assert_eq!(r["args"], json!(["/probe", "report", "two words", "", "--flag=x", "ünïcode", "$HOME"]));
    b.assert_clean();
}

#[test]
fn args_program_is_looked_up_in_the_configured_path() {
    let mut b = Bundle::new("args-path");
    b.config["process"]["env"] = json!(["PATH=/nonexistent:/", "HOME=/root"]);
    b.args(&["probe", "report"]);
    let out = b.run();
    assert_ok(&out, "run probe through PATH");
    let r = parse_json_line(&out.stdout);
    assert_eq!(r["args"], json!(["probe", "report"]), "argv[0] stays as configured");
    b.assert_clean();
}

#[test]
fn env_is_exactly_the_configured_list() {
    let mut b = Bundle::new("env");
    let env =
        json!(["PATH=/bin:/sbin", "HOME=/home/x", "A=1", "WITH_SPACE=a b", "EMPTY=", "EQUALS=x=y=z", "TERM=dumb"]);
    b.config["process"]["env"] = env.clone();
    let r = b.report();
    assert_eq!(r["env"], env);
    b.assert_clean();
}

#[test]
fn cwd_is_the_configured_directory() {
    let mut b = Bundle::new("cwd");
    b.config["process"]["cwd"] = json!("/etc");
    let r = b.report();
    assert_eq!(r["cwd"], "/etc");
    b.assert_clean();
}

#[test]
fn cwd_that_does_not_exist_is_created() {
    let mut b = Bundle::new("cwd-new");
    assert!(!b.rootfs().join("work").exists());
    b.config["process"]["cwd"] = json!("/work/new/dir");
    let r = b.report();
    assert_eq!(r["cwd"], "/work/new/dir");
    assert!(b.rootfs().join("work/new/dir").is_dir(), "cwd was not created in the rootfs");
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// process.user

#[test]
fn user_uid_gid_additional_gids_and_umask() {
    let mut b = Bundle::new("user");
    b.config["process"]["user"] = json!({"uid": 1000, "gid": 1001, "additionalGids": [2000, 10], "umask": 0o027});
    let r = b.report();
    for k in ["uid", "euid", "suid", "fsuid"] {
        assert_eq!(r[k], 1000, "{k}");
    }
    for k in ["gid", "egid", "sgid", "fsgid"] {
        assert_eq!(r[k], 1001, "{k}");
    }
    let mut groups: Vec<i64> = r["groups"].as_array().unwrap().iter().map(|g| g.as_i64().unwrap()).collect();
    groups.sort();
    assert_eq!(groups, vec![10, 2000]);
    assert_eq!(r["umask"], 0o027);
    b.assert_clean();
}

#[test]
fn user_defaults_umask_022_and_no_supplementary_groups() {
    let mut b = Bundle::new("user-default");
    let r = b.report();
    assert_eq!(r["uid"], 0);
    assert_eq!(r["gid"], 0);
    assert_eq!(r["groups"], json!([]), "the caller's supplementary groups must not leak in");
    assert_eq!(r["umask"], 0o022);
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// process.rlimits

#[test]
fn rlimits_are_applied() {
    let mut b = Bundle::new("rlimits");
    b.config["process"]["rlimits"] = json!([
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 512},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
        {"type": "RLIMIT_MSGQUEUE", "soft": 4096, "hard": 8192},
    ]);
    let r = b.report();
    assert_eq!(r["rlimits"]["RLIMIT_NOFILE"], json!({"soft": 512, "hard": 512}));
    assert_eq!(r["rlimits"]["RLIMIT_CORE"], json!({"soft": 0, "hard": 0}));
    assert_eq!(r["rlimits"]["RLIMIT_MSGQUEUE"], json!({"soft": 4096, "hard": 8192}));
    b.assert_clean();
}

#[test]
fn rlimit_that_cannot_be_applied_fails_create() {
    // This host lacks CAP_SYS_RESOURCE: a hard limit above the current one
    // cannot be set, and the runtime must say so rather than ignore it.
    let mut hard = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: a valid out-pointer.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut hard) }, 0);
    let has_sys_resource = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .map(|m| u64::from_str_radix(m.trim(), 16).unwrap() & (1u64 << 24/* CAP_SYS_RESOURCE */) != 0)
        .unwrap();
    if has_sys_resource || hard.rlim_max == libc::RLIM_INFINITY {
        eprintln!("skipped: this host may raise RLIMIT_NOFILE");
        return;
    }
    let mut b = Bundle::new("rlimit-high");
    let too_high = hard.rlim_max + 1;
    b.config["process"]["rlimits"] = json!([{"type": "RLIMIT_NOFILE", "soft": too_high, "hard": too_high}]);
    let out = b.create_detached();
    let err = assert_one_line_error(&out);
    assert!(err.contains("process.rlimits[0]"), "error does not name the field: {err}");
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// process.capabilities

#[test]
fn capabilities_root_gets_bounding_permitted_effective_inheritable() {
    let mut b = Bundle::new("caps-root");
    // As root, exec makes permitted = (inheritable | bounding) limited by
    // no_new_privs to the permitted set we had; effective = permitted.
    b.config["process"]["capabilities"] = json!({
        "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SYS_CHROOT"],
        "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        "effective": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        "inheritable": ["CAP_KILL", "CAP_SYS_CHROOT"],
    });
    b.config["process"]["noNewPrivileges"] = json!(true);
    let r = b.report();
    assert_eq!(
        caps_of(&r, "bounding"),
        sorted(&["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SYS_CHROOT"])
    );
    assert_eq!(caps_of(&r, "permitted"), sorted(&["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]));
    assert_eq!(caps_of(&r, "effective"), sorted(&["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]));
    assert_eq!(caps_of(&r, "inheritable"), sorted(&["CAP_KILL", "CAP_SYS_CHROOT"]));
    assert_eq!(caps_of(&r, "ambient"), Vec::<String>::new());
    b.assert_clean();
}

#[test]
fn capabilities_inheritable_is_empty_when_not_configured() {
    let mut b = Bundle::new("caps-noinh");
    let r = b.report();
    let base = sorted(&["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
    assert_eq!(caps_of(&r, "bounding"), base);
    assert_eq!(caps_of(&r, "permitted"), base);
    assert_eq!(caps_of(&r, "effective"), base);
    assert_eq!(caps_of(&r, "inheritable"), Vec::<String>::new());
    assert_eq!(caps_of(&r, "ambient"), Vec::<String>::new());
    b.assert_clean();
}

#[test]
fn capabilities_ambient_for_a_non_root_user() {
    let mut b = Bundle::new("caps-ambient");
    b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000});
    let three = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
    b.config["process"]["capabilities"] = json!({
        "bounding": three, "permitted": three, "effective": three, "inheritable": three,
        "ambient": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
    });
    let r = b.report();
    assert_eq!(r["uid"], 1000);
    let amb = sorted(&["CAP_KILL", "CAP_NET_BIND_SERVICE"]);
    assert_eq!(caps_of(&r, "ambient"), amb);
    // A non-root exec keeps exactly the ambient set as permitted and effective.
    assert_eq!(caps_of(&r, "permitted"), amb);
    assert_eq!(caps_of(&r, "effective"), amb);
    assert_eq!(caps_of(&r, "inheritable"), sorted(&three));
    assert_eq!(caps_of(&r, "bounding"), sorted(&three));
    b.assert_clean();
}

#[test]
fn capabilities_non_root_user_without_ambient_has_none() {
    let mut b = Bundle::new("caps-nonroot");
    b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000});
    let r = b.report();
    assert_eq!(r["euid"], 1000);
    assert_eq!(caps_of(&r, "effective"), Vec::<String>::new());
    assert_eq!(caps_of(&r, "permitted"), Vec::<String>::new());
    assert_eq!(caps_of(&r, "bounding"), sorted(&["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]));
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// process.noNewPrivileges, oomScoreAdj, ioPriority, scheduler

#[test]
fn no_new_privileges_true_and_false() {
    for nnp in [true, false] {
        let mut b = Bundle::new("nnp");
        b.config["process"]["noNewPrivileges"] = json!(nnp);
        let r = b.report();
        assert_eq!(r["no_new_privs"], nnp, "noNewPrivileges {nnp}");
        b.assert_clean();
    }
}

#[test]
fn oom_score_adj_is_applied() {
    let mut b = Bundle::new("oom");
    b.config["process"]["oomScoreAdj"] = json!(321);
    let r = b.report();
    assert_eq!(r["oom_score_adj"], 321);
    b.assert_clean();
}

#[test]
fn io_priority_class_and_level() {
    // ioprio value = class << 13 | level.
    for (class, level, want) in [("IOPRIO_CLASS_BE", 6, (2 << 13) | 6), ("IOPRIO_CLASS_IDLE", 0, 3 << 13)] {
        let mut b = Bundle::new("ioprio");
        b.config["process"]["ioPriority"] = json!({"class": class, "priority": level});
        let r = b.report();
        assert_eq!(r["ioprio"], want, "{class} {level}");
        b.assert_clean();
    }
}

/// (policy, rt priority, nice) from the probe's /proc/self/stat.
fn sched_from_stat(b: &mut Bundle) -> (i64, i64, i64) {
    let v = b.probe(&["read", "/proc/self/stat"]);
    let stat = v["data"].as_str().unwrap();
    let f: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    // Fields after the command name start at field 3; nice is 19, rt_priority 40, policy 41.
    (f[41 - 3].parse().unwrap(), f[40 - 3].parse().unwrap(), f[19 - 3].parse().unwrap())
}

#[test]
fn scheduler_policy_and_nice() {
    // The kernel keeps nice 0 for SCHED_IDLE (its weight is fixed), so the
    // nice value is only checked where it applies.
    for (policy, number, nice, want_nice) in
        [("SCHED_BATCH", 3, 7, 7), ("SCHED_OTHER", 0, 4, 4), ("SCHED_IDLE", 5, 0, 0)]
    {
        let mut b = Bundle::new("sched");
        b.config["process"]["scheduler"] = json!({"policy": policy, "nice": nice});
        let r = b.report();
        assert_eq!(r["sched"]["policy"], number, "{policy}");
        assert_eq!(r["sched"]["priority"], 0);
        assert_eq!(sched_from_stat(&mut b), (number, 0, want_nice), "{policy} (policy, rt prio, nice)");
        b.assert_clean();
    }
}

// ---------------------------------------------------------------------------
// process.terminal and consoleSize, with --console-socket

#[test]
fn terminal_pty_comes_through_the_console_socket() {
    let mut b = Bundle::new("tty");
    b.config["process"]["terminal"] = json!(true);
    b.config["process"]["consoleSize"] = json!({"height": 30, "width": 100});
    b.args(&[
        "/bin/sh",
        "-c",
        "stty size; readlink /proc/self/fd/0; readlink /proc/self/fd/1; readlink /proc/self/fd/2; \
         /probe stat /dev/console; /probe stat /dev/pts/0",
    ]);
    b.write_config();
    let sock = b.path().join("console.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    listener.set_nonblocking(true).unwrap();
    let (out_path, err_path) = (b.path().join("run.out"), b.path().join("run.err"));
    let mut child = Command::new(berth_bin())
        .arg("--root")
        .arg(&b.root)
        .args(["run", "--console-socket", sock.to_str().unwrap(), "--bundle", &b.dir_arg(), &b.id])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let berth_err = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let conn = loop {
        match listener.accept() {
            Ok((c, _)) => break c,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if let Some(st) = child.try_wait().unwrap() {
                    panic!("berth run exited ({st}) without connecting: {}", berth_err(&err_path));
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    conn.set_nonblocking(false).unwrap();
    let master = recv_fd(&conn);
    drop(conn);
    let Some(master) = master else {
        let st = child.wait().unwrap();
        panic!("no pty master received; berth run {st}: {}", berth_err(&err_path));
    };
    let output = read_pty(master);
    let st = child.wait().unwrap();
    assert!(st.success(), "berth run {st}: {}", berth_err(&err_path));

    let lines = text_lines(&output);
    assert_eq!(lines.first().map(String::as_str), Some("30 100"), "stty size (consoleSize); pty output: {lines:?}");
    assert_eq!(&lines[1..4], ["/dev/pts/0", "/dev/pts/0", "/dev/pts/0"], "stdio is the pty");
    let stats = parse_json_lines(String::from_utf8_lossy(&output).replace('\r', "").as_bytes());
    let (console, pts0) = (&stats[0], &stats[1]);
    assert_eq!(console["kind"], "char", "/dev/console: {console}");
    assert_eq!(console["major"], 136, "/dev/console is a pty: {console}");
    assert_eq!(
        (&console["major"], &console["minor"]),
        (&pts0["major"], &pts0["minor"]),
        "/dev/console is the container's pty"
    );
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// root.readonly, hostname, domainname, annotations

#[test]
fn root_readonly_makes_writes_fail_with_erofs() {
    let mut b = Bundle::new("ro-root");
    b.rootfs_file("/data.txt", "x", 0o666);
    b.config["root"]["readonly"] = json!(true);
    let v = b.sh("/probe write /data.txt y; /probe report");
    assert_eq!(v[0]["ok"], false);
    assert_eq!(v[0]["errno"], EROFS);
    let root = mount_at(&v[1], "/").expect("a / mount");
    assert_eq!(options_of(root)[0], "ro", "/ options: {root}");
    // Only the root is read-only: the mounts on top of it are not.
    assert_eq!(options_of(mount_at(&v[1], "/dev/shm").unwrap())[0], "rw");
    assert_eq!(std::fs::read_to_string(b.rootfs().join("data.txt")).unwrap(), "x");
    b.assert_clean();
}

#[test]
fn root_writable_when_readonly_is_false() {
    let mut b = Bundle::new("rw-root");
    b.rootfs_file("/data.txt", "x", 0o666);
    b.config["root"]["readonly"] = json!(false);
    let v = b.probe(&["write", "/data.txt", "y"]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(std::fs::read_to_string(b.rootfs().join("data.txt")).unwrap(), "y");
    b.assert_clean();
}

#[test]
fn hostname_and_domainname() {
    let mut b = Bundle::new("uts");
    b.config["hostname"] = json!("box-one");
    b.config["domainname"] = json!("example.test");
    let r = b.report();
    assert_eq!(r["hostname"], "box-one");
    assert_eq!(r["domainname"], "example.test");
    b.assert_clean();
}

#[test]
fn annotations_appear_in_state() {
    let mut b = Bundle::new("annotations");
    let ann = json!({"org.example.key": "value", "com.example/other": "with spaces = and symbols"});
    b.config["annotations"] = ann.clone();
    b.args(&["/probe", "sleep", "30"]);
    assert_ok(&b.create_detached(), "create");
    let st = b.state();
    assert_eq!(st["annotations"], ann);
    assert_eq!(st["status"], "created");
    assert_ok(&b.delete_container(true), "delete");
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// hooks

const HOOK_PATH_ENV: &str = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

/// A hook script that appends `phase|$HOOK_VAR|$2|netns|state` to `log`.
fn hook_script_text(log: &str) -> String {
    format!(
        "#!/bin/sh\nstate=$(cat)\nprintf '%s|%s|%s|%s|%s\\n' \"$1\" \"$HOOK_VAR\" \"$2\" \"$(readlink /proc/self/ns/net)\" \"$state\" >> {log}\nexit ${{HOOK_EXIT:-0}}\n"
    )
}

struct Hooks {
    /// Host path of the script (for every phase but startContainer).
    script: String,
    /// The log, as seen from the host.
    log: PathBuf,
}

/// Installs the hook script on the host (in the bundle) and inside the rootfs
/// at /hook.sh (startContainer runs after pivot_root), with the log directory
/// bind-mounted at /hooklog so both write the same file.
fn install_hooks(b: &mut Bundle) -> Hooks {
    let log = b.path().join("hooklog/log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let script = b.bundle_file("hook.sh", &hook_script_text(log.to_str().unwrap()), 0o755);
    b.rootfs_file("/hook.sh", &hook_script_text("/hooklog/log"), 0o755);
    let src = log.parent().unwrap().to_str().unwrap().to_string();
    b.push_mount(json!({"destination": "/hooklog", "type": "bind", "source": src, "options": ["rbind"]}));
    Hooks { script: script.to_str().unwrap().to_string(), log }
}

fn hook(path: &str, phase: &str, extra_env: &[&str]) -> Value {
    let mut env = vec![HOOK_PATH_ENV.to_string(), format!("HOOK_VAR=v-{phase}")];
    env.extend(extra_env.iter().map(|s| s.to_string()));
    json!({"path": path, "args": [path, phase, "extra"], "env": env})
}

struct HookRun {
    phase: String,
    var: String,
    extra: String,
    netns: String,
    state: Value,
}

fn hook_runs(log: &Path) -> Vec<HookRun> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .map(|l| {
            let f: Vec<&str> = l.splitn(5, '|').collect();
            assert_eq!(f.len(), 5, "bad hook log line {l:?}");
            HookRun {
                phase: f[0].into(),
                var: f[1].into(),
                extra: f[2].into(),
                netns: f[3].into(),
                state: serde_json::from_str(f[4])
                    .unwrap_or_else(|e| panic!("hook stdin is not JSON ({e}): {:?}", f[4])),
            }
        })
        .collect()
}

fn phases(runs: &[HookRun]) -> Vec<&str> {
    runs.iter().map(|r| r.phase.as_str()).collect()
}

#[test]
fn hooks_run_in_order_with_state_args_and_env() {
    let mut b = Bundle::new("hooks");
    let h = install_hooks(&mut b);
    b.config["annotations"] = json!({"org.example.hooks": "yes"});
    b.config["hooks"] = json!({
        "prestart": [hook(&h.script, "prestart", &[])],
        "createRuntime": [hook(&h.script, "createRuntime", &[])],
        "createContainer": [hook(&h.script, "createContainer", &[])],
        "startContainer": [hook("/hook.sh", "startContainer", &[])],
        "poststart": [hook(&h.script, "poststart", &[])],
        "poststop": [hook(&h.script, "poststop", &[])],
    });
    b.args(&["/probe", "sleep", "30"]);

    assert_ok(&b.create_detached(), "create");
    let pid = b.host_pid();
    let container_net = ns_inode(&pid.to_string(), "net");
    assert_ne!(container_net, host_ns("net"));
    assert_eq!(phases(&hook_runs(&h.log)), ["prestart", "createRuntime", "createContainer"], "after create");

    assert_ok(&b.start_container(), "start");
    assert_eq!(
        phases(&hook_runs(&h.log)),
        ["prestart", "createRuntime", "createContainer", "startContainer", "poststart"],
        "after start"
    );

    assert_ok(&b.delete_container(true), "delete --force");
    let runs = hook_runs(&h.log);
    assert_eq!(
        phases(&runs),
        ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
        "after delete"
    );

    let bundle = std::fs::canonicalize(b.path()).unwrap();
    for r in &runs {
        let p = r.phase.as_str();
        assert_eq!(r.var, format!("v-{p}"), "{p}: hook env");
        assert_eq!(r.extra, "extra", "{p}: hook args");
        assert_eq!(r.state["id"], b.id.as_str(), "{p}: id in {}", r.state);
        assert_eq!(r.state["bundle"], bundle.to_str().unwrap(), "{p}: bundle in {}", r.state);
        assert_eq!(r.state["annotations"]["org.example.hooks"], "yes", "{p}: annotations in {}", r.state);
        assert!(r.state["ociVersion"].is_string(), "{p}: ociVersion in {}", r.state);
        let in_container = matches!(p, "createContainer" | "startContainer");
        let want_net = if in_container { &container_net } else { &host_ns("net") };
        assert_eq!(
            &r.netns,
            want_net,
            "{p}: runs in the {} namespaces",
            if in_container { "container's" } else { "runtime's" }
        );
        match p {
            // The states the runtime-spec's lifecycle gives each phase
            // (and crun sends): the program has not started until after
            // startContainer.
            "prestart" | "createRuntime" | "createContainer" | "startContainer" => {
                assert_eq!(r.state["status"], "created", "{p}: {}", r.state)
            }
            "poststart" => assert_eq!(r.state["status"], "running", "{p}: {}", r.state),
            "poststop" => assert_eq!(r.state["status"], "stopped", "{p}: {}", r.state),
            _ => unreachable!("{p}"),
        }
        // The pid as seen from where the hook runs: the host's for the
        // runtime namespace, the container's (a new pid namespace) inside.
        match p {
            "prestart" | "createRuntime" | "poststart" => assert_eq!(r.state["pid"], pid, "{p}: pid in {}", r.state),
            "createContainer" | "startContainer" => assert_eq!(r.state["pid"], 1, "{p}: pid in {}", r.state),
            _ => {}
        }
    }
    b.assert_clean();
}

#[test]
fn create_container_hook_runs_after_the_mounts_and_before_pivot_root() {
    let mut b = Bundle::new("hook-mounts");
    let rootfs = std::fs::canonicalize(b.rootfs()).unwrap();
    let log = b.path().join("cc.log");
    // Host paths resolve (no pivot_root yet) and the config's mounts are
    // already there under the rootfs: its /proc shows the container's pid 1.
    let script = format!(
        "test -c {r}/dev/null && test -e {r}/proc/1/status && test \"$(readlink {r}/proc/1/ns/pid)\" = \"$(readlink /proc/self/ns/pid)\" && echo mounted > {log}",
        r = rootfs.display(),
        log = log.display()
    );
    b.config["hooks"] =
        json!({"createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", script], "env": [HOOK_PATH_ENV]}]});
    let out = b.run();
    assert_ok(&out, "run with a createContainer hook");
    assert_eq!(std::fs::read_to_string(&log).unwrap_or_default().trim(), "mounted");
    b.assert_clean();
}

#[test]
fn failing_create_phase_hook_fails_create_and_leaves_nothing() {
    for phase in ["prestart", "createRuntime", "createContainer"] {
        let mut b = Bundle::new("hook-fail");
        let h = install_hooks(&mut b);
        let mut hooks = serde_json::Map::new();
        hooks.insert(phase.into(), json!([hook(&h.script, phase, &[]), hook(&h.script, phase, &["HOOK_EXIT=3"])]));
        b.config["hooks"] = Value::Object(hooks);
        let out = b.create_detached();
        let err = assert_one_line_error(&out);
        assert!(err.contains(&format!("hooks.{phase}[1]")), "{phase}: error does not name the hook: {err}");
        assert_eq!(phases(&hook_runs(&h.log)), [phase, phase], "{phase}: both hooks ran, in order");
        b.assert_clean();
    }
}

#[test]
fn failing_prestart_hook_still_runs_poststop_hooks() {
    let mut b = Bundle::new("hook-fail-poststop");
    let h = install_hooks(&mut b);
    b.config["hooks"] = json!({
        "prestart": [hook(&h.script, "prestart", &["HOOK_EXIT=1"])],
        "poststop": [hook(&h.script, "poststop", &[])],
    });
    let out = b.create_detached();
    assert!(!out.status.success(), "create succeeded with a failing prestart hook");
    assert_eq!(phases(&hook_runs(&h.log)), ["prestart", "poststop"]);
    b.assert_clean();
}

#[test]
fn failing_start_container_hook_fails_start_and_stops_the_container() {
    let mut b = Bundle::new("hook-fail-start");
    let h = install_hooks(&mut b);
    b.config["hooks"] = json!({"startContainer": [hook("/hook.sh", "startContainer", &["HOOK_EXIT=4"])]});
    b.args(&["/probe", "sleep", "30"]);
    assert_ok(&b.create_detached(), "create");
    let out = b.start_container();
    assert!(!out.status.success(), "start succeeded with a failing startContainer hook");
    let err = stderr_of(&out);
    assert!(err.contains("hooks.startContainer[0]"), "error does not name the hook: {err}");
    assert_eq!(phases(&hook_runs(&h.log)), ["startContainer"]);
    assert_eq!(b.state()["status"], "stopped", "the container must be stopped");
    assert_ok(&b.delete_container(false), "delete");
    b.assert_clean();
}

#[test]
fn failing_poststart_and_poststop_hooks_only_warn() {
    let mut b = Bundle::new("hook-warn");
    let h = install_hooks(&mut b);
    b.config["hooks"] = json!({
        "poststart": [hook(&h.script, "poststart", &["HOOK_EXIT=1"]), hook(&h.script, "poststart", &[])],
        "poststop": [hook(&h.script, "poststop", &["HOOK_EXIT=1"]), hook(&h.script, "poststop", &[])],
    });
    let out = b.run();
    assert_ok(&out, "run with failing poststart/poststop hooks");
    assert_eq!(parse_json_line(&out.stdout)["pid"], 1, "the container ran");
    let err = stderr_of(&out);
    assert!(err.contains("hooks.poststart[0]"), "no warning about poststart: {err}");
    assert!(err.contains("hooks.poststop[0]"), "no warning about poststop: {err}");
    assert!(!err.contains("hooks.poststart[1]") && !err.contains("hooks.poststop[1]"), "the good hooks failed: {err}");
    assert_eq!(phases(&hook_runs(&h.log)), ["poststart", "poststart", "poststop", "poststop"], "later hooks still ran");
    b.assert_clean();
}

#[test]
fn hook_exceeding_its_timeout_is_killed_and_fails_create() {
    let mut b = Bundle::new("hook-timeout");
    let pidfile = b.path().join("hook.pid");
    let script = format!("echo $$ > {}; exec sleep 30", pidfile.display());
    b.config["hooks"] = json!({
        "prestart": [{"path": "/bin/sh", "args": ["sh", "-c", script], "env": [HOOK_PATH_ENV], "timeout": 1}],
    });
    let out = b.create_detached();
    let err = assert_one_line_error(&out);
    assert!(err.contains("hooks.prestart[0]"), "error does not name the hook: {err}");
    assert!(err.contains("time"), "error does not say it timed out: {err}");
    let hook_pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    // SAFETY: signal 0 only checks for existence.
    let alive = unsafe { libc::kill(hook_pid, 0) } == 0;
    assert!(!alive, "the hook {hook_pid} is still running");
    b.assert_clean();
}

#[test]
fn exec_cpu_affinity_final_is_in_force_at_exec() {
    let mut b = Bundle::new("affinity");
    b.config["process"]["execCPUAffinity"] = json!({"initial": "0-1", "final": "1"});
    let v = b.probe(&["read", "/proc/self/status"]);
    let status = v["data"].as_str().unwrap();
    let line = status.lines().find(|l| l.starts_with("Cpus_allowed_list:")).unwrap();
    assert_eq!(line.split_whitespace().nth(1), Some("1"), "{line}");
    b.assert_clean();
}

#[test]
fn a_malformed_cpu_list_is_a_one_line_error_naming_the_field() {
    for (which, bad) in [("initial", "0-"), ("final", "1,,2")] {
        let mut b = Bundle::new("affinity-bad");
        b.config["process"]["execCPUAffinity"] = json!({ which: bad });
        let out = b.create_detached();
        let err = assert_one_line_error(&out);
        assert!(err.contains(&format!("process.execCPUAffinity.{which}")), "{err}");
        assert!(err.contains(bad), "{err}");
        b.assert_clean();
    }
}

#[test]
fn memory_policy_is_set_before_exec() {
    let mut b = Bundle::new("mempolicy");
    b.config["linux"]["memoryPolicy"] = json!({"mode": "MPOL_BIND", "nodes": "0"});
    let v = b.probe(&["read", "/proc/self/numa_maps"]);
    let maps = v["data"].as_str().unwrap_or_default();
    assert!(maps.lines().any(|l| l.contains(" bind:0")), "{maps}");
    b.assert_clean();
}
