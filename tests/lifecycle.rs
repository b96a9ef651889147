//! The container lifecycle: create -> start -> running -> stopped -> delete,
//! state documents, pid files, exit statuses, signals, list.
mod common;
use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn status_of(b: &Bundle) -> String {
    b.state()["status"].as_str().unwrap().to_string()
}

fn wait_status(b: &Bundle, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while status_of(b) != want {
        assert!(Instant::now() < deadline, "container never became {want}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn create_start_kill_delete_walks_every_state() {
    let mut b = Bundle::new("life");
    b.args(&["/probe", "sleep", "30"]);
    let pid_file = b.path().join("init.pid");
    let bundle = b.path().to_str().unwrap().to_string();
    let out = b.berth(&["create", "--bundle", &bundle, "--pid-file", pid_file.to_str().unwrap(), &b.id]);
    assert_ok(&out, "create");
    let st = b.state();
    assert_eq!(st["status"], "created");
    let pid = st["pid"].as_i64().unwrap();
    assert!(pid > 0);
    assert_eq!(std::fs::read_to_string(&pid_file).unwrap().trim(), pid.to_string());
    for key in ["ociVersion", "id", "bundle", "rootfs", "created", "owner", "annotations"] {
        assert!(st.get(key).is_some(), "state lacks {key}: {st}");
    }
    assert_eq!(st["bundle"], bundle);
    assert_eq!(st["rootfs"], format!("{bundle}/rootfs"));

    assert_ok(&b.berth(&["start", &b.id]), "start");
    assert_eq!(status_of(&b), "running");
    // After start the container runs the user's program, not berth.
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap();
    assert!(exe.ends_with("probe"), "init runs {}", exe.display());

    assert_ok(&b.berth(&["kill", &b.id, "KILL"]), "kill");
    wait_status(&b, "stopped");
    assert_eq!(b.state()["pid"], 0);
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    b.assert_clean();
}

#[test]
fn delete_of_a_created_container_needs_no_force() {
    let mut b = Bundle::new("created-del");
    b.args(&["/probe", "sleep", "30"]);
    assert_ok(&b.create(), "create");
    let pid = b.state()["pid"].as_i64().unwrap();
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
            || std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap().contains(") Z")
    );
    b.assert_clean();
}

#[test]
fn run_returns_the_containers_exit_status() {
    let mut b = Bundle::new("exit");
    b.args(&["/probe", "exit", "7"]);
    assert_eq!(b.run().status.code(), Some(7));
    b.assert_clean();
    // pid 1 of a pid namespace cannot kill itself: share the host's pid namespace.
    b.config["linux"]["namespaces"].as_array_mut().unwrap().retain(|n| n["type"] != "pid");
    b.args(&["/probe", "kill-self", "KILL"]);
    assert_eq!(b.run().status.code(), Some(128 + 9));
    b.assert_clean();
}

#[test]
fn run_forwards_signals() {
    let mut b = Bundle::new("sig");
    b.args(&["/bin/sh", "-c", "trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done"]);
    let bundle = b.path().to_str().unwrap().to_string();
    let mut child = b.cmd().args(["run", "--bundle", &bundle, &b.id]).stdout(Stdio::piped()).spawn().unwrap();
    // Wait until the trap is installed.
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.as_mut().unwrap()), &mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::SIGTERM).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(42));
    b.assert_clean();
}

#[test]
fn run_detach_and_keep() {
    let mut b = Bundle::new("detach");
    b.args(&["/probe", "sleep", "30"]);
    let bundle = b.path().to_str().unwrap().to_string();
    let out = b.berth(&["run", "--detach", "--bundle", &bundle, &b.id]);
    assert_ok(&out, "run -d");
    assert_eq!(status_of(&b), "running");
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete -f");
    b.assert_clean();

    b.args(&["/probe", "exit", "3"]);
    let out = b.berth(&["run", "--keep", "--bundle", &bundle, &b.id]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(status_of(&b), "stopped");
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    b.assert_clean();
}

#[test]
fn a_reused_pid_is_not_mistaken_for_the_container() {
    let mut b = Bundle::new("reuse");
    b.args(&["/probe", "sleep", "30"]);
    assert_ok(&b.create(), "create");
    let path = b.root.join(&b.id).join("state.json");
    let mut state: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let real = state["pid_start"].as_u64().unwrap();
    // Same pid, different start time: another process now owns that pid.
    state["pid_start"] = (real + 1).into();
    std::fs::write(&path, serde_json::to_vec(&state).unwrap()).unwrap();
    assert_eq!(status_of(&b), "stopped");
    let err = assert_one_line_error(&b.berth(&["kill", &b.id, "KILL"]));
    assert!(err.contains("container not running"), "{err}");
    state["pid_start"] = real.into();
    std::fs::write(&path, serde_json::to_vec(&state).unwrap()).unwrap();
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete");
    b.assert_clean();
}

#[test]
fn kill_accepts_names_and_numbers_and_all() {
    for sig in ["KILL", "SIGKILL", "9", "kill"] {
        let mut b = Bundle::new("killsig");
        b.args(&["/probe", "sleep", "30"]);
        let bundle = b.path().to_str().unwrap().to_string();
        assert_ok(&b.berth(&["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
        assert_ok(&b.berth(&["kill", &b.id, sig]), sig);
        wait_status(&b, "stopped");
        assert_ok(&b.berth(&["delete", &b.id]), "delete");
        b.assert_clean();
    }
    let mut b = Bundle::new("killall");
    b.args(&["/bin/sh", "-c", "sleep 30 & sleep 30"]);
    let bundle = b.path().to_str().unwrap().to_string();
    assert_ok(&b.berth(&["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
    assert_ok(&b.berth(&["kill", "--all", &b.id, "KILL"]), "kill --all");
    wait_status(&b, "stopped");
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    b.assert_clean();
}

/// `kill --all` sends real-time signals too: init traps SIGRTMIN+1 and exits
/// with a status of its own, which only that signal leads to.
#[test]
fn kill_all_sends_a_real_time_signal() {
    let mut b = Bundle::new("killrt");
    let rt = (libc::SIGRTMIN() + 1).to_string();
    b.args(&["/bin/sh", "-c", &format!("trap 'exit 7' {rt}; while :; do sleep 0.1; done")]);
    let bundle = b.path().to_str().unwrap().to_string();
    assert_ok(&b.berth(&["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
    std::thread::sleep(Duration::from_millis(200)); // the trap is set
    assert_ok(&b.berth(&["kill", "--all", &b.id, "SIGRTMIN+1"]), "kill --all SIGRTMIN+1");
    wait_status(&b, "stopped");
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    b.assert_clean();
}

#[test]
fn list_shows_containers_in_every_format() {
    let mut b = Bundle::new("list");
    b.args(&["/probe", "sleep", "30"]);
    assert_ok(&b.create(), "create");
    let q = b.berth(&["list", "-q"]);
    assert_eq!(String::from_utf8_lossy(&q.stdout).trim(), b.id);
    let table = String::from_utf8_lossy(&b.berth(&["list"]).stdout).to_string();
    assert!(table.starts_with("ID"), "{table}");
    assert!(table.contains(&b.id) && table.contains("created"), "{table}");
    let json: serde_json::Value = serde_json::from_slice(&b.berth(&["list", "--format", "json"]).stdout).unwrap();
    assert_eq!(json[0]["id"], b.id.as_str());
    assert_eq!(json[0]["status"], "created");
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    b.assert_clean();
}

/// Engines (containerd's shim, conmon) are child subreapers: after create,
/// the container's init must be their child, with no berth process between.
#[test]
fn init_becomes_the_callers_child_and_no_berth_process_remains() {
    let mut b = Bundle::new("reparent");
    b.args(&["/probe", "sleep", "30"]);
    b.write_config();
    let script = format!(
        r#"
import ctypes, subprocess, sys, json
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
subprocess.run([{berth:?}, "--root", {root:?}, "create", "--bundle", {bundle:?}, {id:?}], check=True)
subprocess.run([{berth:?}, "--root", {root:?}, "start", {id:?}], check=True)
state = json.loads(subprocess.run([{berth:?}, "--root", {root:?}, "state", {id:?}], check=True, capture_output=True).stdout)
pid = state["pid"]
ppid = int(open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()[1])
print(json.dumps({{"me": __import__("os").getpid(), "ppid": ppid, "pid": pid}}))
subprocess.run([{berth:?}, "--root", {root:?}, "delete", "--force", {id:?}], check=True)
"#,
        berth = berth_bin(),
        root = b.root.to_str().unwrap(),
        bundle = b.path().to_str().unwrap(),
        id = b.id,
    );
    let out = Command::new("python3").arg("-c").arg(script).output().unwrap();
    assert_ok(&out, "python subreaper");
    let v = parse_json_line(&out.stdout);
    assert_eq!(v["ppid"], v["me"], "init is not the caller's child: {v}");
    b.assert_clean();
}

#[test]
fn concurrent_containers_with_default_cgroup_paths() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let mut b = Bundle::new(&format!("par{i}"));
                b.config["linux"].as_object_mut().unwrap().remove("cgroupsPath");
                let r = b.report();
                assert!(r["cgroup"].as_str().unwrap().contains(&format!(":/berth-{}\n", b.id)), "{}", r["cgroup"]);
                b.assert_clean();
                assert_no_default_cgroup(&b.id);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// `--no-pivot` moves the rootfs over / and chroots (for ramfs roots).
#[test]
fn no_pivot_runs_the_container_too() {
    let mut b = Bundle::new("nopivot");
    b.args(&["/probe", "report"]);
    let bundle = b.path().to_str().unwrap().to_string();
    let out = b.berth(&["run", "--no-pivot", "--bundle", &bundle, &b.id]);
    assert_ok(&out, "run --no-pivot");
    let r = parse_json_line(&out.stdout);
    assert_eq!(r["pid"], 1);
    assert!(mount_at(&r, "/proc").is_some());
    b.assert_clean();
}

/// Each container joins a fresh session keyring named after it, unless
/// --no-new-keyring (then it keeps the caller's).
#[test]
fn session_keyring_per_container() {
    let has_own_keyring = |extra: &[&str]| {
        let mut b = Bundle::new("keyring");
        // The base config masks /proc/keys; this test needs to read it.
        b.config["linux"]["maskedPaths"] = serde_json::json!([]);
        b.args(&["/probe", "read", "/proc/keys"]);
        let bundle = b.path().to_str().unwrap().to_string();
        let mut args = vec!["run", "--bundle", &bundle];
        args.extend_from_slice(extra);
        args.push(&b.id);
        let out = b.berth(&args);
        assert_ok(&out, "run");
        b.assert_clean();
        let keys = parse_json_line(&out.stdout)["data"].as_str().unwrap_or_default().to_string();
        keys.lines().any(|l| l.contains(" keyring ") && l.contains(&format!(" {}: ", b.id)))
    };
    assert!(has_own_keyring(&[]), "no session keyring named after the container");
    assert!(!has_own_keyring(&["--no-new-keyring"]), "--no-new-keyring still made a keyring");
}

/// Many containers created at once with default cgroup paths all run, and
/// leave no cgroup behind.
#[test]
fn many_concurrent_runs_under_the_default_parent_all_succeed() {
    let mut b = Bundle::new("burst");
    b.config["linux"].as_object_mut().unwrap().remove("cgroupsPath");
    b.args(&["/bin/true"]);
    b.write_config();
    let bundle = b.path().to_str().unwrap().to_string();
    let children: Vec<_> = (0..120)
        .map(|i| {
            Command::new(berth_bin())
                .arg("--root")
                .arg(&b.root)
                .args(["run", "--bundle", &bundle, &format!("{}-{i}", b.id)])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let failures: Vec<String> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .filter(|o| !o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert!(failures.is_empty(), "{} failed: {failures:?}", failures.len());
    assert_no_default_cgroup(&b.id);
}

/// No `/berth-<prefix>...` directory is left in any hierarchy.
fn assert_no_default_cgroup(prefix: &str) {
    for root in cgroup_dirs("/") {
        for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(!name.starts_with(&format!("berth-{prefix}")), "{} left behind", entry.path().display());
        }
    }
}
