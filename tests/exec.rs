//! `exec`: a new process in a running container, checked from inside by the
//! probe and from the host through /proc.

mod common;
use common::*;

use serde_json::{json, Value};
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A container running `sleep 300`, created with `run -d`; `change` edits its config first.
fn init_pid(b: &Bundle) -> i64 {
    b.state()["pid"].as_i64().unwrap()
}

fn exec(b: &Bundle, args: &[&str]) -> Output {
    let mut full = vec!["exec"];
    full.extend_from_slice(args);
    b.berth(&full)
}

fn exec_report(b: &Bundle, flags: &[&str]) -> Value {
    let mut args = flags.to_vec();
    args.extend([b.id.as_str(), "/probe", "report"]);
    let out = exec(b, &args);
    assert_ok(&out, "exec probe report");
    parse_json_line(&out.stdout)
}

/// The pid a --pid-file holds.
fn read_pid(path: &Path) -> i32 {
    std::fs::read_to_string(path).unwrap().trim().parse().unwrap()
}

fn host_cgroups(pid: i64) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap()
}

// ---------------------------------------------------------------------------
// What the new process joins and inherits

#[test]
fn exec_joins_every_namespace_and_cgroup_of_the_container() {
    let b = running("exec-ns", |b| {
        b.config["linux"]["namespaces"].as_array_mut().unwrap().push(json!({"type": "cgroup"}));
    });
    let pid = init_pid(&b);
    let r = exec_report(&b, &[]);
    for ns in ["pid", "net", "ipc", "uts", "mnt", "cgroup"] {
        assert_eq!(r["namespaces"][ns], json!(ns_inode(&pid.to_string(), ns)), "{ns} namespace: {}", r["namespaces"]);
    }
    assert_eq!(r["hostname"], "probe-host");
    assert_ne!(r["pid"], 1, "exec'd process is not init");
    // Its cgroups, seen from the host through a detached exec's pid.
    let pidfile = b.path().join("exec.pid");
    let out = exec(&b, &["--detach", "--pid-file", pidfile.to_str().unwrap(), &b.id, "sleep", "30"]);
    assert_ok(&out, "exec --detach");
    let exec_pid = read_pid(&pidfile) as i64;
    let _kill = KillOnDrop::new(exec_pid as i32);
    assert_eq!(host_cgroups(exec_pid), host_cgroups(pid), "exec'd process is in the container's cgroups");
    let ps = b.berth(&["ps", "--format", "json", &b.id]);
    let pids: Vec<i64> = serde_json::from_slice(&ps.stdout).unwrap();
    assert!(pids.contains(&exec_pid), "ps lists the exec'd process: {pids:?}");
    stop(&b);
}

#[test]
fn exec_inherits_the_containers_process_limits() {
    let b = running("exec-limits", |b| {
        b.config["process"]["rlimits"] = json!([{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 700}]);
        b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000, "additionalGids": [5]});
    });
    let r = exec_report(&b, &[]);
    assert_eq!(r["rlimits"]["RLIMIT_NOFILE"], json!({"soft": 512, "hard": 700}), "{}", r["rlimits"]);
    assert_eq!((r["uid"].clone(), r["gid"].clone()), (json!(1000), json!(1000)));
    assert_eq!(r["no_new_privs"], true);
    assert_eq!(caps_of(&r, "bounding"), vec!["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
    // execve as a non-root user without ambient caps clears effective (the kernel's rule).
    assert_eq!(caps_of(&r, "effective"), Vec::<String>::new());
    stop(&b);
}

#[test]
fn exec_flags_change_the_process() {
    let b = running("exec-flags", |_| {});
    let r = exec_report(&b, &["-e", "HOME=/tmp", "--env", "EXTRA=1", "--cwd", "/etc", "-u", "1000:100", "-g", "7"]);
    let env: Vec<&str> = r["env"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(env.contains(&"HOME=/tmp") && env.contains(&"EXTRA=1"), "{env:?}");
    assert!(!env.contains(&"HOME=/root"), "--env replaces a variable of the same name: {env:?}");
    assert_eq!(r["cwd"], "/etc");
    assert_eq!((r["uid"].clone(), r["gid"].clone()), (json!(1000), json!(100)));
    assert_eq!(r["groups"], json!([7]));
    stop(&b);
}

#[test]
fn exec_cap_adds_to_three_sets_never_inheritable() {
    let b = running("exec-cap", |b| {
        for set in ["bounding", "effective", "permitted"] {
            b.config["process"]["capabilities"][set] = json!(["CAP_KILL", "CAP_CHOWN"]);
        }
        b.config["process"]["capabilities"]["effective"] = json!(["CAP_KILL"]);
        b.config["process"]["capabilities"]["permitted"] = json!(["CAP_KILL"]);
    });
    let r = exec_report(&b, &["--cap", "CAP_CHOWN"]);
    for set in ["bounding", "effective", "permitted"] {
        assert!(caps_of(&r, set).contains(&"CAP_CHOWN".to_string()), "{set}: {}", r["caps"]);
    }
    assert_eq!(caps_of(&r, "inheritable"), Vec::<String>::new());
    assert_eq!(caps_of(&r, "ambient"), Vec::<String>::new());
    stop(&b);
}

#[test]
fn exec_never_gains_a_capability_the_container_lacks() {
    let b = running("exec-cap-out", |_| {});
    let out = exec(&b, &["--cap", "CAP_SYS_ADMIN", &b.id, "true"]);
    let line = assert_one_line_error(&out);
    assert!(line.contains("CAP_SYS_ADMIN") && line.contains("bounding"), "{line}");
    let process = json!({"args": ["true"], "cwd": "/", "user": {"uid": 0, "gid": 0},
        "capabilities": {"bounding": ["CAP_SYS_MODULE"], "effective": ["CAP_SYS_MODULE"]}});
    let file = b.path().join("process.json");
    std::fs::write(&file, process.to_string()).unwrap();
    let out = exec(&b, &["--process", file.to_str().unwrap(), &b.id]);
    let line = assert_one_line_error(&out);
    assert!(line.contains("CAP_SYS_MODULE"), "{line}");
    stop(&b);
}

#[test]
fn exec_process_file_is_the_whole_process() {
    let b = running("exec-process", |_| {});
    let process = json!({
        "args": ["/probe", "report"], "cwd": "/tmp", "env": ["ONLY=this"],
        "user": {"uid": 2000, "gid": 2000},
        "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}],
        "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]},
        "noNewPrivileges": false
    });
    let file = b.path().join("process.json");
    std::fs::write(&file, process.to_string()).unwrap();
    let out = exec(&b, &["--process", file.to_str().unwrap(), &b.id]);
    assert_ok(&out, "exec --process");
    let r = parse_json_line(&out.stdout);
    assert_eq!(r["env"], json!(["ONLY=this"]));
    assert_eq!(r["cwd"], "/tmp");
    assert_eq!(r["uid"], 2000);
    assert_eq!(r["rlimits"]["RLIMIT_NOFILE"], json!({"soft": 100, "hard": 200}));
    assert_eq!(caps_of(&r, "bounding"), vec!["CAP_KILL"]);
    assert_eq!(r["no_new_privs"], true, "the container has no_new_privs, so the exec'd process keeps it");
    stop(&b);
}

#[test]
fn exec_applies_the_containers_seccomp_filter() {
    let b = running("exec-seccomp", |b| {
        b.config["linux"]["seccomp"] = json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["getcpu"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]
        });
    });
    let out = exec(&b, &[&b.id, "/probe", "syscall", "309"]);
    assert_ok(&out, "exec probe syscall");
    let r = parse_json_line(&out.stdout);
    assert_eq!(r["errno"], 38, "getcpu is denied by the container's filter: {r}");
    let r = exec_report(&b, &[]);
    assert_eq!(r["seccomp"], 2, "filter mode");
    stop(&b);
}

#[test]
fn exec_joins_the_containers_user_namespace() {
    let b = running("exec-userns", |b| {
        use std::os::unix::fs::PermissionsExt;
        // The container's root maps to host 100000: the bundle must be searchable.
        std::fs::set_permissions(b.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let map = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
        b.config["linux"]["namespaces"].as_array_mut().unwrap().push(json!({"type": "user"}));
        b.config["linux"]["uidMappings"] = map.clone();
        b.config["linux"]["gidMappings"] = map;
    });
    let pid = init_pid(&b);
    let r = exec_report(&b, &[]);
    for ns in ["user", "pid", "mnt"] {
        assert_eq!(r["namespaces"][ns], json!(ns_inode(&pid.to_string(), ns)), "{ns}: {}", r["namespaces"]);
    }
    assert_eq!(r["uid"], 0, "root inside the user namespace");
    let pidfile = b.path().join("u.pid");
    assert_ok(&exec(&b, &["-d", "--pid-file", pidfile.to_str().unwrap(), &b.id, "sleep", "30"]), "exec -d");
    let exec_pid = read_pid(&pidfile);
    let _kill = KillOnDrop::new(exec_pid);
    let status = std::fs::read_to_string(format!("/proc/{exec_pid}/status")).unwrap();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap().to_string();
    assert!(uid.contains("100000"), "on the host the exec'd process is the mapped uid: {uid}");
    stop(&b);
}

#[test]
fn exec_no_new_privs_flag_and_preserved_fds() {
    let b = running("exec-nnp", |b| {
        b.config["process"]["noNewPrivileges"] = json!(false);
    });
    assert_eq!(exec_report(&b, &[])["no_new_privs"], false);
    assert_eq!(exec_report(&b, &["--no-new-privs"])["no_new_privs"], true);
    // fd 3 of the caller passes in with --preserve-fds 1; nothing else does.
    let mut cmd = b.cmd();
    cmd.args(["exec", "--preserve-fds", "1", &b.id, "/probe", "report"]);
    let file = std::fs::File::open("/etc/hostname").unwrap();
    let raw = file.as_raw_fd();
    // SAFETY: dup2 and fcntl between fork and exec are async-signal-safe.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
            // dup2 onto itself would keep close-on-exec: clear it then.
            let r = if raw == 3 { libc::fcntl(3, libc::F_SETFD, 0) } else { libc::dup2(raw, 3) };
            if r < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert_ok(&out, "exec --preserve-fds 1");
    let r = parse_json_line(&out.stdout);
    let fds: Vec<i64> = r["fds"].as_array().unwrap().iter().map(|f| f["fd"].as_i64().unwrap()).collect();
    assert_eq!(fds, vec![0, 1, 2, 3], "{}", r["fds"]);
    assert!(r["fds"][3]["target"].as_str().unwrap().contains("hostname"), "{}", r["fds"]);
    stop(&b);
}

// ---------------------------------------------------------------------------
// Foreground, detached, exit status and signals

#[test]
fn exec_exit_status_is_the_processes() {
    let b = running("exec-status", |_| {});
    assert_eq!(exec(&b, &[&b.id, "sh", "-c", "exit 7"]).status.code(), Some(7));
    assert_eq!(exec(&b, &[&b.id, "true"]).status.code(), Some(0));
    let out = exec(&b, &[&b.id, "no-such-program"]);
    assert_eq!(out.status.code(), Some(127));
    let line = assert_one_line_error(&out);
    assert!(line.contains("no-such-program") && line.contains("not found"), "{line}");
    assert_eq!(exec(&b, &[&b.id, "/etc/hostname"]).status.code(), Some(126), "not executable");
    stop(&b);
}

#[test]
fn exec_forwards_signals_to_the_process() {
    let b = running("exec-signal", |_| {});
    let mut child = b
        .cmd()
        .args(["exec", &b.id, "sh", "-c", "trap 'exit 42' TERM; touch /ready; while :; do sleep 0.05; done"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ready = b.rootfs().join("ready");
    for _ in 0..500 {
        if ready.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(ready.exists(), "exec'd shell never started");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::SIGTERM).unwrap();
    let st = child.wait().unwrap();
    assert_eq!(st.code(), Some(42), "SIGTERM reached the shell, whose status berth returned");
    stop(&b);
}

#[test]
fn exec_into_a_paused_container_needs_ignore_paused() {
    let b = running("exec-paused", |_| {});
    assert_ok(&b.berth(&["pause", &b.id]), "pause");
    let out = exec(&b, &[&b.id, "true"]);
    let line = assert_one_line_error(&out);
    assert!(line.contains("paused") && line.contains("--ignore-paused"), "{line}");
    let pidfile = b.path().join("p.pid");
    let out = exec(&b, &["--ignore-paused", "-d", "--pid-file", pidfile.to_str().unwrap(), &b.id, "sleep", "30"]);
    assert_ok(&out, "exec --ignore-paused");
    let pid = read_pid(&pidfile);
    let _kill = KillOnDrop::new(pid);
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let field = state.rsplit_once(')').unwrap().1.split_whitespace().next().unwrap().to_string();
    assert!(field == "D" || field == "S", "the process joined the frozen cgroup: state {field}");
    assert_ok(&b.berth(&["resume", &b.id]), "resume");
    stop(&b);
}

// ---------------------------------------------------------------------------
// Terminals

/// Runs berth with a pty we own as its stdio; returns (exit code, what the pty printed).
fn on_our_pty(b: &Bundle, args: &[&str], size: (u16, u16), during: impl FnOnce(&OwnedFd, u32)) -> (i32, String) {
    let pty = nix::pty::openpty(
        Some(&nix::pty::Winsize { ws_row: size.0, ws_col: size.1, ws_xpixel: 0, ws_ypixel: 0 }),
        None,
    )
    .unwrap();
    let slave = || Stdio::from(pty.slave.try_clone().unwrap());
    let mut cmd = b.cmd();
    cmd.args(args).stdin(slave()).stdout(slave()).stderr(slave());
    // SAFETY: setsid and TIOCSCTTY between fork and exec, both async-signal-safe.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    during(&pty.slave, child.id());
    let master = pty.master;
    drop(pty.slave);
    let reader = std::thread::spawn(move || {
        let mut f = std::fs::File::from(master);
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = f.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&out).replace('\r', "")
    });
    let st = child.wait().unwrap();
    (st.code().unwrap_or(-1), reader.join().unwrap())
}

#[test]
fn exec_tty_gets_a_pty_of_the_container_sized_like_ours() {
    let b = running("exec-tty", |_| {});
    let (code, out) =
        on_our_pty(&b, &["exec", "-t", &b.id, "sh", "-c", "tty; stty size; exit 3"], (33, 111), |_, _| {});
    assert_eq!(code, 3, "exit status through the proxy; output: {out}");
    assert!(out.contains("/dev/pts/0"), "the process's tty is the container's pty: {out}");
    assert!(out.contains("33 111"), "the pty takes our size: {out}");
    stop(&b);
}

#[test]
fn exec_tty_follows_a_window_resize() {
    let b = running("exec-resize", |_| {});
    let script = "stty size; while [ ! -e /go ]; do sleep 0.05; done; stty size";
    let go = b.rootfs().join("go");
    let (code, out) = on_our_pty(&b, &["exec", "-t", &b.id, "sh", "-c", script], (20, 70), |slave, pid| {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let ws = libc::winsize { ws_row: 50, ws_col: 150, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: TIOCSWINSZ reads a winsize from a valid pointer.
        unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::SIGWINCH);
        std::thread::sleep(std::time::Duration::from_millis(200));
        std::fs::write(&go, "").unwrap();
    });
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("20 70") && out.contains("50 150"), "size before and after the resize: {out}");
    stop(&b);
}

#[test]
fn run_with_a_terminal_and_no_console_socket_proxies_it() {
    let mut b = Bundle::new("run-tty");
    b.config["process"]["terminal"] = json!(true);
    b.args(&["sh", "-c", "tty; exit 4"]);
    let bundle = b.bundle_arg();
    let (code, out) = on_our_pty(&b, &["run", "--bundle", &bundle, &b.id], (24, 80), |_, _| {});
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("/dev/pts/0"), "{out}");
    b.assert_clean();
}

/// Drives berth in a tmux pane, as a person would: an interactive shell in
/// the container, a resize of the window, Ctrl-C, and the exit status.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// A pane running `command`, then printing its exit status (tmux's own
    /// pane_dead_status is sometimes never filled in here, berth or not).
    fn new(cols: u16, rows: u16, command: &str) -> Tmux {
        let t = Tmux { socket: unique("berth-tmux") };
        let size = [format!("{cols}"), format!("{rows}")];
        let shown = format!("{command}; echo exit-status-$?; sleep 60");
        t.ok(&["new-session", "-d", "-x", &size[0], "-y", &size[1], &shown]);
        t
    }

    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux").args(["-L", &self.socket, "-f", "/dev/null"]).args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert_ok(&out, &format!("tmux {args:?}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        self.ok(&args);
    }

    /// Polls the pane until `want` shows (bounded; no timing is asserted).
    fn wait_for(&self, want: &str) -> String {
        let mut screen = String::new();
        for _ in 0..500 {
            screen = self.ok(&["capture-pane", "-p", "-t", "0"]);
            if screen.contains(want) {
                return screen;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("tmux pane never showed {want:?}:\n{screen}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn under_tmux(command: &str) {
    let t = Tmux::new(100, 30, command);
    t.wait_for("/ #");
    t.keys(&["stty size", "Enter"]);
    t.wait_for("30 100");
    t.ok(&["resize-window", "-t", "0", "-x", "120", "-y", "40"]);
    t.keys(&["stty size", "Enter"]);
    t.wait_for("40 120");
    t.keys(&["sleep 100", "Enter"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    t.keys(&["C-c"]);
    t.keys(&["echo after-ctrl-c-$?", "Enter"]);
    t.wait_for("after-ctrl-c-130");
    t.keys(&["exit 6", "Enter"]);
    t.wait_for("exit-status-6");
}

#[test]
fn exec_and_run_with_a_terminal_under_tmux() {
    let b = running("exec-tmux", |_| {});
    let berth = format!("{} --root {}", berth_bin(), b.root.display());
    under_tmux(&format!("{berth} exec -t {} sh", b.id));
    stop(&b);
    let mut r = Bundle::new("run-tmux");
    r.config["process"]["terminal"] = json!(true);
    r.args(&["sh"]);
    r.write_config();
    let berth = format!("{} --root {}", berth_bin(), r.root.display());
    under_tmux(&format!("{berth} run --bundle {} {}", r.bundle_arg(), r.id));
    r.assert_clean();
}

#[test]
fn exec_console_socket_receives_the_master() {
    let b = running("exec-console", |_| {});
    let sock = b.path().join("console.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    let out = exec(&b, &["-t", "-d", "--console-socket", sock.to_str().unwrap(), &b.id, "sh", "-c", "tty; sleep 1"]);
    assert_ok(&out, "exec -t -d --console-socket");
    let (conn, _) = listener.accept().unwrap();
    let (master, payload) = recv_fd_with_payload(&conn).expect("a pty master");
    assert_eq!(payload, b"/dev/ptmx", "runc's framing");
    let mut f = std::fs::File::from(master);
    let mut buf = [0u8; 256];
    let n = f.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).contains("/dev/pts/"), "{:?}", &buf[..n]);
    stop(&b);
}

// ---------------------------------------------------------------------------
// pidfd and notify sockets

fn pid_of_pidfd(fd: &OwnedFd) -> i64 {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd())).unwrap();
    info.lines().find_map(|l| l.strip_prefix("Pid:")).unwrap().trim().parse().unwrap()
}

#[test]
fn pidfd_socket_gets_the_init_and_exec_pidfds() {
    let mut b = Bundle::new("pidfd");
    b.args(&["sleep", "300"]);
    let sock = b.path().join("pidfd.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    let bundle = b.bundle_arg();
    let out = b.berth(&["create", "--pidfd-socket", sock.to_str().unwrap(), "--bundle", &bundle, &b.id]);
    assert_ok(&out, "create --pidfd-socket");
    let (conn, _) = listener.accept().unwrap();
    let (fd, payload) = recv_fd_with_payload(&conn).unwrap();
    assert_eq!(pid_of_pidfd(&fd), init_pid(&b), "pidfd of init");
    assert_eq!(payload, b"standard");
    assert_ok(&b.berth(&["start", &b.id]), "start");
    let pidfile = b.path().join("e.pid");
    let out = exec(
        &b,
        &[
            "-d",
            "--pid-file",
            pidfile.to_str().unwrap(),
            "--pidfd-socket",
            sock.to_str().unwrap(),
            &b.id,
            "sleep",
            "30",
        ],
    );
    assert_ok(&out, "exec --pidfd-socket");
    let (conn, _) = listener.accept().unwrap();
    let (fd, payload) = recv_fd_with_payload(&conn).unwrap();
    let exec_pid = read_pid(&pidfile) as i64;
    let _kill = KillOnDrop::new(exec_pid as i32);
    assert_eq!(pid_of_pidfd(&fd), exec_pid, "pidfd of the exec'd process");
    assert_eq!(payload, b"setns");
    stop(&b);
}

#[test]
fn notify_socket_forwards_ready_with_the_main_pid() {
    let mut b = Bundle::new("notify");
    b.args(&["sh", "-c", "/probe notify STATUS=starting; sleep 0.2; /probe notify READY=1; sleep 300"]);
    let host = b.path().join("host-notify.sock");
    let listener = std::os::unix::net::UnixDatagram::bind(&host).unwrap();
    listener.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let bundle = b.bundle_arg();
    b.write_config();
    let mut cmd = b.raw_cmd();
    cmd.args(["run", "-d", "--bundle", &bundle, &b.id]).env("NOTIFY_SOCKET", &host);
    let out = output_via_files(cmd, b.path());
    assert_ok(&out, "run -d with NOTIFY_SOCKET");
    let mut buf = [0u8; 512];
    let n = listener.recv(&mut buf).unwrap();
    let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert_eq!(msg, format!("READY=1\nMAINPID={}\n", init_pid(&b)), "only READY is forwarded, with init's pid");
    let r = exec_report(&b, &[]);
    let env: Vec<&str> = r["env"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(!env.iter().any(|e| e.starts_with("NOTIFY_SOCKET")), "exec'd processes are not told: {env:?}");
    stop(&b);
}

// ---------------------------------------------------------------------------
// The runtime binary stays out of reach (CVE-2019-5736)

/// A container holding CAP_SYS_PTRACE attacks every process it can see while
/// berth execs into it again and again: nothing it opens may be the binary on disk.
#[test]
fn exec_never_exposes_the_berth_binary() {
    let (a, child) = start_attacker("exec-attack", &["CAP_SYS_PTRACE"]);
    for i in 0..5 {
        // A program the attacker has not seen yet: it may hold any exe it saw
        // open for writing (the container's own files are fair game), and
        // exec'ing that file again would then fail with ETXTBSY.
        let program = format!("/probe-{i}");
        std::fs::copy(a.rootfs().join("probe"), a.rootfs().join(&program[1..])).unwrap();
        assert_ok(&exec(&a, &[&a.id, &program, "exit", "0"]), "exec during the attack");
    }
    let r = stop_attacker(a, child);
    let on_disk = std::fs::canonicalize(berth_bin()).unwrap().to_string_lossy().into_owned();
    for key in ["opened_write", "opened_path"] {
        for e in r[key].as_array().unwrap() {
            let e = e.as_str().unwrap();
            assert!(!e.contains(&on_disk), "{key} reached the binary on disk: {r}");
        }
    }
}

// ---------------------------------------------------------------------------
// Bad input: one line naming the cause, nothing left behind

fn refused(b: &Bundle, args: &[&str], needles: &[&str]) {
    let before = processes_mentioning(&b.id, b.path()).len();
    let out = exec(b, args);
    let line = assert_one_line_error(&out);
    for n in needles {
        assert!(line.contains(n), "error {line:?} does not mention {n:?}");
    }
    assert_eq!(processes_mentioning(&b.id, b.path()).len(), before, "exec left a process behind");
}

#[test]
fn exec_into_unknown_or_stopped_containers_is_refused() {
    let mut b = Bundle::new("exec-stopped");
    refused(&b, &[&b.id, "true"], &["does not exist"]);
    b.args(&["true"]);
    let bundle = b.bundle_arg();
    assert_ok(&b.berth(&["run", "--keep", "--bundle", &bundle, &b.id]), "run --keep");
    refused(&b, &[&b.id, "true"], &["stopped"]);
    stop(&b);
}

#[test]
fn exec_bad_input_names_the_cause() {
    let b = running("exec-bad", |_| {});
    let file = b.path().join("bad.json");
    std::fs::write(&file, r#"{"args": ["true"], "cwd": "/", "user": {"uid": "root"}}"#).unwrap();
    refused(&b, &["--process", file.to_str().unwrap(), &b.id], &["--process", "user.uid"]);
    std::fs::write(&file, r#"{"args": [], "cwd": "/", "user": {"uid": 0, "gid": 0}}"#).unwrap();
    refused(&b, &["--process", file.to_str().unwrap(), &b.id], &["process.args"]);
    std::fs::write(&file, r#"{"args": ["true"], "cwd": "relative", "user": {"uid": 0, "gid": 0}}"#).unwrap();
    refused(&b, &["--process", file.to_str().unwrap(), &b.id], &["process.cwd"]);
    refused(&b, &["--process", "/no/such/process.json", &b.id], &["--process", "/no/such/process.json"]);
    let missing = b.path().join("no-such.sock");
    refused(&b, &["-t", "--console-socket", missing.to_str().unwrap(), &b.id, "true"], &["--console-socket"]);
    let sleeper = ["-d", "--pidfd-socket", missing.to_str().unwrap(), &b.id, "sleep", "300"];
    refused(&b, &sleeper, &["--pidfd-socket"]);
    let no_dir = b.path().join("no/such/dir/pid");
    refused(&b, &["-d", "--pid-file", no_dir.to_str().unwrap(), &b.id, "sleep", "301"], &["--pid-file"]);
    let ps = b.berth(&["ps", "--format", "json", &b.id]);
    let pids: Vec<i64> = serde_json::from_slice(&ps.stdout).unwrap();
    assert_eq!(pids, vec![init_pid(&b)], "no exec'd process stays behind");
    refused(&b, &["-t", "-d", &b.id, "true"], &["--console-socket"]);
    refused(&b, &["--user", "nobody", &b.id, "true"], &["--user"]);
    refused(&b, &["--cgroup", "../escape", &b.id, "true"], &["--cgroup"]);
    refused(&b, &["--cgroup", "no-such-sub", &b.id, "true"], &["--cgroup"]);
    refused(&b, &[&b.id], &["no command"]);
    refused(&b, &["--preserve-fds", "5", &b.id, "true"], &["--preserve-fds"]);
    assert!(Path::new(&b.root).join(&b.id).exists(), "the container itself is untouched");
    stop(&b);
}

#[test]
fn exec_cgroup_flag_picks_a_sub_cgroup() {
    let b = running("exec-subcg", |_| {});
    let subs: Vec<_> = cgroup_dirs(&b.cgroup).into_iter().filter(|d| d.is_dir()).map(|d| d.join("sub")).collect();
    for d in &subs {
        std::fs::create_dir(d).unwrap();
        for f in ["cpuset.cpus", "cpuset.mems"] {
            // A v1 cpuset cgroup takes no process until these are filled.
            if let Ok(v) = std::fs::read_to_string(d.parent().unwrap().join(f)) {
                std::fs::write(d.join(f), v).unwrap();
            }
        }
    }
    let pidfile = b.path().join("s.pid");
    let out = exec(&b, &["--cgroup", "sub", "-d", "--pid-file", pidfile.to_str().unwrap(), &b.id, "sleep", "30"]);
    assert_ok(&out, "exec --cgroup sub");
    let pid = read_pid(&pidfile) as i64;
    let kill = KillOnDrop::new(pid as i32);
    let cg = host_cgroups(pid);
    assert!(cg.lines().filter(|l| !l.is_empty()).all(|l| l.ends_with(&format!("{}/sub", b.cgroup))), "{cg}");
    drop(kill);
    for d in &subs {
        std::fs::remove_dir(d).unwrap();
    }
    stop(&b);
}

#[test]
fn exec_security_labels_for_modules_the_host_lacks_are_warnings() {
    let b = running("exec-labels", |_| {});
    for (flag, value, field) in [
        ("--apparmor", "unconfined-x", "process.apparmorProfile"),
        ("--process-label", "system_u:x", "process.selinuxLabel"),
    ] {
        let out = exec(&b, &[flag, value, &b.id, "true"]);
        assert_ok(&out, flag);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(field) && err.contains(value), "{flag}: no warning naming {field}: {err}");
    }
    stop(&b);
}
