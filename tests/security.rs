mod common;
use common::*;

use serde_json::{json, Value};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

// ---------------------------------------------------------------------------
// Helpers

/// fd numbers open in the probe (its own /proc/self/fd handle left out).
fn fd_numbers(report: &Value) -> Vec<i64> {
    report["fds"].as_array().expect("report has fds").iter().map(|f| f["fd"].as_i64().unwrap()).collect()
}

fn fd_targets(report: &Value) -> Vec<String> {
    report["fds"].as_array().unwrap().iter().map(|f| f["target"].as_str().unwrap_or("").to_string()).collect()
}

fn env_of(report: &Value) -> Vec<String> {
    report["env"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()).collect()
}

/// Makes the child of `cmd` start with `path` open (no close-on-exec) at each
/// of `fds`. The returned fd must live until the child is spawned.
fn open_fds_in_child(cmd: &mut Command, path: &Path, fds: &[i32]) -> OwnedFd {
    let file = std::fs::File::open(path).unwrap();
    // A close-on-exec copy above every target, so dup2 always makes a new,
    // inheritable descriptor.
    // SAFETY: fcntl on an fd we own; the result is a fresh fd.
    let high = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 100) };
    assert!(high >= 100);
    // SAFETY: a fresh fd we own.
    let high = unsafe { OwnedFd::from_raw_fd(high) };
    let src = high.as_raw_fd();
    let fds = fds.to_vec();
    // SAFETY: only async-signal-safe dup2 between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            for &fd in &fds {
                if libc::dup2(src, fd) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    high
}

/// `berth --root R GLOBAL... run RUN_FLAGS... --bundle B ID` with the probe's
/// report as the process, extra fds from /etc/hostname and extra environment.
fn report_with(b: &mut Bundle, global: &[&str], run_flags: &[&str], fds: &[i32], env: &[(&str, &str)]) -> Value {
    b.args(&["/probe", "report"]);
    let mut cmd = b.cmd();
    let bundle = b.bundle_arg();
    cmd.args(global).arg("run").args(run_flags).args(["--bundle", &bundle, &b.id]);
    cmd.envs(env.iter().copied()).stdin(Stdio::null());
    let _keep = open_fds_in_child(&mut cmd, Path::new("/etc/hostname"), fds);
    let out = cmd.output().unwrap();
    assert_ok(&out, "run probe");
    parse_json_line(&out.stdout)
}

/// Does an exe-attack entry ("pid:target") point at the berth binary? The
/// probe's own binary lives under a `berth-test-*` bundle and is not berth.
fn is_berth(entry: &str) -> bool {
    let target = entry.split_once(':').map_or(entry, |(_, t)| t);
    let target = target.trim_end_matches(" (deleted)");
    target.contains("berth") && !target.ends_with("/probe")
}

fn berth_entries(attack: &Value, key: &str) -> Vec<String> {
    attack[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {attack}"))
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .filter(|e| is_berth(e))
        .collect()
}

fn all_caps(report: &Value) -> Vec<(String, Vec<String>)> {
    ["bounding", "effective", "permitted", "inheritable", "ambient"]
        .iter()
        .map(|s| (s.to_string(), caps_of(report, s)))
        .collect()
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// A `run` that must fail with one line naming `needles`, leaving nothing.
fn run_refused(b: &Bundle, needles: &[&str]) -> String {
    let out: Output = b.run();
    assert!(parse_json_line_opt(&out.stdout).is_none(), "the container ran: {}", String::from_utf8_lossy(&out.stdout));
    let line = assert_one_line_error(&out);
    for n in needles {
        assert!(line.contains(n), "error {line:?} does not mention {n:?}");
    }
    b.assert_clean();
    b.assert_no_process();
    line
}

fn parse_json_line_opt(stdout: &[u8]) -> Option<Value> {
    String::from_utf8_lossy(stdout).lines().find(|l| l.starts_with('{')).and_then(|l| serde_json::from_str(l).ok())
}

// ---------------------------------------------------------------------------
// File descriptors

#[test]
fn only_stdio_is_open_in_the_container() {
    let mut b = Bundle::new("fds");
    let r = b.report();
    assert_eq!(fd_numbers(&r), vec![0, 1, 2], "fds: {}", r["fds"]);
    b.assert_clean();
}

#[test]
fn the_log_file_never_reaches_the_container() {
    for format in ["text", "json"] {
        let mut b = Bundle::new("logfd");
        let log = b.path().join("berth-debug.log");
        let log_s = log.to_str().unwrap().to_string();
        let r = report_with(&mut b, &["--debug", "--log", &log_s, "--log-format", format], &[], &[], &[]);
        assert_eq!(fd_numbers(&r), vec![0, 1, 2], "fds: {}", r["fds"]);
        assert!(!fd_targets(&r).iter().any(|t| t.contains("berth-debug.log")), "log fd inside: {}", r["fds"]);
        b.assert_clean();
    }
}

#[test]
fn preserve_fds_passes_exactly_those_fds() {
    let mut b = Bundle::new("preserve");
    let log = b.path().join("berth-preserve.log");
    let log_s = log.to_str().unwrap().to_string();
    // The caller has 3, 4 and 5 open; only 3 and 4 are asked for.
    let r = report_with(&mut b, &["--log", &log_s, "--log-format", "json"], &["--preserve-fds", "2"], &[3, 4, 5], &[]);
    assert_eq!(fd_numbers(&r), vec![0, 1, 2, 3, 4], "fds: {}", r["fds"]);
    let targets = fd_targets(&r);
    assert!(
        targets[3].contains("hostname") && targets[4].contains("hostname"),
        "fds 3, 4 are not the caller's: {}",
        r["fds"]
    );
    assert!(!targets.iter().any(|t| t.contains("berth-preserve.log")), "log fd inside: {}", r["fds"]);
    b.assert_clean();
}

/// `berth run` through `sh`, so that LISTEN_PID can name berth's own pid, as
/// systemd sets it; `listen_pid_is_ours` picks that or a stranger's pid.
fn socket_activated_report(b: &mut Bundle, listen_pid_is_ours: bool) -> Value {
    b.args(&["/probe", "report"]);
    b.write_config();
    let bundle = b.bundle_arg();
    let pid = if listen_pid_is_ours { "$$" } else { "4242" };
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("LISTEN_PID={pid} LISTEN_FDS=1 exec \"$@\""))
        .arg("sh")
        .arg(berth_bin())
        .arg("--root")
        .arg(&b.root)
        .args(["run", "--bundle", &bundle, &b.id])
        .stdin(Stdio::null());
    // The caller has 3 and 4 open; LISTEN_FDS names only 3.
    let _keep = open_fds_in_child(&mut cmd, Path::new("/etc/hostname"), &[3, 4]);
    let out = cmd.output().unwrap();
    assert_ok(&out, "run probe");
    parse_json_line(&out.stdout)
}

#[test]
fn socket_activation_passes_listen_fds() {
    let mut b = Bundle::new("listen");
    let r = socket_activated_report(&mut b, true);
    assert_eq!(fd_numbers(&r), vec![0, 1, 2, 3], "fds: {}", r["fds"]);
    assert!(fd_targets(&r)[3].contains("hostname"), "fd 3 is not the caller's: {}", r["fds"]);
    let env = env_of(&r);
    assert_eq!(
        env.iter().filter(|e| e.starts_with("LISTEN_FDS=")).collect::<Vec<_>>(),
        vec!["LISTEN_FDS=1"],
        "env: {env:?}"
    );
    assert_eq!(
        env.iter().filter(|e| e.starts_with("LISTEN_PID=")).collect::<Vec<_>>(),
        vec!["LISTEN_PID=1"],
        "env: {env:?}"
    );
    b.assert_clean();
}

/// LISTEN_FDS meant for another process (LISTEN_PID is not ours) passes nothing.
#[test]
fn socket_activation_for_another_pid_passes_nothing() {
    let mut b = Bundle::new("listen-other");
    let r = socket_activated_report(&mut b, false);
    assert_eq!(fd_numbers(&r), vec![0, 1, 2], "fds: {}", r["fds"]);
    assert!(!env_of(&r).iter().any(|e| e.starts_with("LISTEN_")), "env: {:?}", env_of(&r));
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// Process attributes

#[test]
fn cwd_is_the_configured_one() {
    for cwd in ["/etc", "/var/tmp", "/made/by/berth"] {
        let mut b = Bundle::new("cwd");
        b.config["process"]["cwd"] = json!(cwd);
        let r = b.report();
        assert_eq!(r["cwd"], cwd);
        b.assert_clean();
    }
}

#[test]
fn capabilities_are_exactly_the_configured_ones() {
    let mut b = Bundle::new("caps");
    let want = sorted(&["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
    let r = b.report();
    assert_eq!(caps_of(&r, "bounding"), want);
    assert_eq!(caps_of(&r, "effective"), want);
    assert_eq!(caps_of(&r, "permitted"), want);
    assert_eq!(caps_of(&r, "inheritable"), Vec::<String>::new(), "inheritable without a config entry");
    assert_eq!(caps_of(&r, "ambient"), Vec::<String>::new());
    b.assert_clean();
}

#[test]
fn inheritable_capabilities_only_when_listed() {
    let mut b = Bundle::new("caps-inh");
    b.config["process"]["capabilities"]["inheritable"] = json!(["CAP_KILL"]);
    b.config["process"]["capabilities"]["bounding"] = json!(["CAP_KILL", "CAP_CHOWN"]);
    let r = b.report();
    assert_eq!(caps_of(&r, "inheritable"), sorted(&["CAP_KILL"]));
    assert_eq!(caps_of(&r, "bounding"), sorted(&["CAP_CHOWN", "CAP_KILL"]));
    b.assert_clean();
}

#[test]
fn no_capabilities_object_means_no_capabilities() {
    let mut b = Bundle::new("caps-none");
    b.config["process"].as_object_mut().unwrap().remove("capabilities");
    let r = b.report();
    for (set, caps) in all_caps(&r) {
        assert!(caps.is_empty(), "{set}: {caps:?}");
    }
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// The berth binary (CVE-2019-5736 class)

#[test]
fn berth_binary_cannot_be_opened_for_writing_from_a_container() {
    let mut b = Bundle::new("exe");
    let r = b.probe(&["exe-attack", "1"]);
    assert_eq!(berth_entries(&r, "opened_write"), Vec::<String>::new(), "{r}");
    assert_eq!(berth_entries(&r, "opened_path"), Vec::<String>::new(), "{r}");
    b.assert_clean();
}

/// Runs container A (`/probe exe-attack`, until the test stops it, with `extra_caps`) in the
/// background while three containers B join A's pid namespace; returns A's
/// attack report. B's init is a copy of berth until it execs.
fn attack_from_joined_pid_namespace(extra_caps: &[&str]) -> Value {
    let (a, child) = start_attacker("exe-a", extra_caps);
    let pid = a.state()["pid"].as_i64().unwrap();
    for _ in 0..3 {
        let mut b = Bundle::new("exe-b");
        b.config["linux"]["namespaces"][0] = json!({"type": "pid", "path": format!("/proc/{pid}/ns/pid")});
        let r = b.report();
        assert_ne!(r["pid"], 1, "B did not join A's pid namespace");
        b.assert_clean();
    }
    stop_attacker(a, child)
}

#[test]
fn berth_binary_is_not_exposed_to_a_joined_pid_namespace() {
    let r = attack_from_joined_pid_namespace(&[]);
    assert_eq!(berth_entries(&r, "opened_write"), Vec::<String>::new(), "{r}");
    assert_eq!(berth_entries(&r, "opened_path"), Vec::<String>::new(), "{r}");
}

/// CAP_SYS_PTRACE overrides non-dumpable for /proc/PID/exe: berth then runs
/// init from a sealed memfd copy, so all such a process can reach is that
/// copy, which no write can change; never the binary on disk.
#[test]
fn berth_binary_is_not_exposed_to_a_joined_pid_namespace_with_sys_ptrace() {
    let r = attack_from_joined_pid_namespace(&["CAP_SYS_PTRACE"]);
    let on_disk = std::fs::canonicalize(berth_bin()).unwrap().to_string_lossy().into_owned();
    for key in ["opened_write", "opened_path"] {
        for e in berth_entries(&r, key) {
            assert!(!e.contains(&on_disk), "{key} reached the binary on disk: {r}");
            assert!(e.contains("/memfd:berth"), "{key} reached something other than the sealed copy: {r}");
        }
    }
}

// ---------------------------------------------------------------------------
// Masked paths and mounts

#[test]
fn masked_paths_refuse_a_dev_null_that_is_not_null() {
    let mut b = Bundle::new("mask-zero");
    b.config["linux"]["devices"] =
        json!([{"path": "/dev/null", "type": "c", "major": 1, "minor": 5, "fileMode": 438, "uid": 0, "gid": 0}]);
    run_refused(&b, &["maskedPaths", "/dev/null"]);
}

#[test]
fn masked_paths_refuse_a_regular_file_as_dev_null() {
    let b = Bundle::new("mask-devbind");
    let fake = b.path().join("fakedev");
    std::fs::create_dir(&fake).unwrap();
    std::fs::write(fake.join("null"), "not the null device\n").unwrap();
    let mut b = b;
    b.config["mounts"][1] =
        json!({"destination": "/dev", "type": "bind", "source": fake.to_str().unwrap(), "options": ["rbind"]});
    run_refused(&b, &["maskedPaths", "/dev/null"]);
    assert_eq!(std::fs::read_to_string(fake.join("null")).unwrap(), "not the null device\n");
}

/// A config mount that puts a regular file on /dev/null.
fn bundle_with_file_on_dev_null(name: &str) -> (Bundle, std::path::PathBuf) {
    let mut b = Bundle::new(name);
    let fake = b.path().join("fakenull");
    std::fs::write(&fake, "not the null device\n").unwrap();
    let m = json!({"destination": "/dev/null", "type": "bind", "source": fake.to_str().unwrap(), "options": ["bind"]});
    b.config["mounts"].as_array_mut().unwrap().push(m);
    (b, fake)
}

#[test]
fn masked_paths_refuse_a_file_bind_mounted_on_dev_null() {
    let (b, fake) = bundle_with_file_on_dev_null("mask-filebind");
    run_refused(&b, &["/dev/null"]);
    assert_eq!(std::fs::read_to_string(&fake).unwrap(), "not the null device\n");
}

#[test]
fn masked_paths_error_names_masked_paths_for_a_file_bind_mounted_on_dev_null() {
    let (b, _fake) = bundle_with_file_on_dev_null("mask-filebind2");
    run_refused(&b, &["maskedPaths", "/dev/null"]);
}

#[test]
fn mount_destinations_through_absolute_symlinks_stay_inside() {
    let mut b = Bundle::new("mount-link");
    let name = unique("berth-link");
    std::os::unix::fs::symlink("/etc", b.rootfs().join("link")).unwrap();
    let dest = format!("/link/{name}");
    b.config["mounts"].as_array_mut().unwrap().push(json!({"destination": dest, "type": "tmpfs", "source": "tmpfs"}));
    let host = Path::new("/etc").join(&name);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.report()));
    let escaped = host.exists();
    if escaped {
        let _ = Command::new("umount").arg("-l").arg(&host).output();
        let _ = std::fs::remove_dir(&host);
    }
    assert!(!escaped, "the mount resolved to the host's {}", host.display());
    let r = r.unwrap_or_else(|e| std::panic::resume_unwind(e));
    let m = mount_at(&r, &format!("/etc/{name}")).unwrap_or_else(|| panic!("no mount at /etc/{name}"));
    assert_eq!(m["fstype"], "tmpfs", "{m}");
    assert!(b.rootfs().join("etc").join(&name).is_dir(), "mount point not made inside the rootfs");
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// Isolation from the host

#[test]
fn container_sees_only_its_own_mounts() {
    let mut b = Bundle::new("mounts");
    let r = b.report();
    let c = &b.config;
    let mut allowed: Vec<String> = vec!["/".into()];
    for m in c["mounts"].as_array().unwrap() {
        allowed.push(m["destination"].as_str().unwrap().into());
    }
    for key in ["maskedPaths", "readonlyPaths"] {
        for p in c["linux"][key].as_array().unwrap() {
            allowed.push(p.as_str().unwrap().into());
        }
    }
    let points: Vec<String> =
        r["mounts"].as_array().unwrap().iter().map(|m| m["mount_point"].as_str().unwrap().to_string()).collect();
    let foreign: Vec<&String> = points.iter().filter(|p| !allowed.contains(p)).collect();
    assert!(foreign.is_empty(), "host mounts visible in the container: {foreign:?}");
    let host_path = b.path().to_str().unwrap().to_string();
    for m in r["mounts"].as_array().unwrap() {
        assert!(!m["mount_point"].as_str().unwrap().starts_with(&host_path), "host path visible: {m}");
    }
    b.assert_clean();
}

#[test]
fn container_sees_only_its_own_processes() {
    let mut b = Bundle::new("pids");
    b.args(&["/bin/ls", "-1", "/proc"]);
    let out = b.run();
    assert_ok(&out, "ls /proc");
    let text = String::from_utf8_lossy(&out.stdout);
    let pids: Vec<&str> = text.lines().filter(|l| !l.is_empty() && l.bytes().all(|c| c.is_ascii_digit())).collect();
    assert_eq!(pids, vec!["1"], "processes visible in the container: {pids:?}");
    b.assert_clean();
}

// ---------------------------------------------------------------------------
// State files

fn assert_state_dir_private(b: &Bundle) {
    use std::os::unix::fs::PermissionsExt;
    let dir = b.root.join(&b.id);
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o700, "state dir {} has mode {mode:o}", dir.display());
    let root_mode = std::fs::metadata(&b.root).unwrap().permissions().mode() & 0o7777;
    assert_eq!(root_mode, 0o700, "--root {} has mode {root_mode:o}", b.root.display());
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.contains(".tmp") && !n.ends_with('~')), "leftover temporary files: {names:?}");
    let state: Value = serde_json::from_slice(&std::fs::read(dir.join("state.json")).unwrap()).unwrap();
    assert_eq!(state["id"], b.id.as_str());
}

#[test]
fn state_dir_is_private_and_written_atomically() {
    let mut b = Bundle::new("statefiles");
    b.args(&["/probe", "sleep", "30"]);
    b.create_ok();
    assert_state_dir_private(&b);
    assert_ok(&b.berth(&["start", &b.id]), "start");
    assert_state_dir_private(&b);
    assert_ok(&b.berth(&["kill", &b.id, "KILL"]), "kill");
    b.wait_status("stopped");
    assert_state_dir_private(&b);
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    b.assert_clean();
    b.assert_no_process();
}
