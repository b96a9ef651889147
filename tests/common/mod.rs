//! Shared harness for integration tests: real bundles, the real binary, a
//! private --root per test, and a check that nothing is left behind.
#![allow(dead_code)]

pub mod rootless;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The binary under test: this build's, or `BERTH_TEST_BIN` (to show an
/// attack test fails against a weakened or older build).
pub fn berth_bin() -> &'static str {
    static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BIN.get_or_init(|| std::env::var("BERTH_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_berth").to_string()))
}

pub fn rootfs_template() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("bundles/rootfs");
    assert!(p.join("probe").exists(), "{} has no probe: run `make rootfs` first", p.display());
    p
}

pub fn require_root() {
    assert!(nix::unistd::geteuid().is_root(), "integration tests run real containers and need root");
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A unique name for this test run: ids, cgroup paths, temp dirs.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

/// A bundle with its own rootfs copy, a config to edit, and its own --root.
pub struct Bundle {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
    pub id: String,
    pub config: Value,
    pub cgroup: String,
}

impl Bundle {
    pub fn new(name: &str) -> Bundle {
        require_root();
        let dir = tempfile::Builder::new().prefix("berth-test-").tempdir_in("/tmp").unwrap();
        let st = Command::new("cp").arg("-a").arg(rootfs_template()).arg(dir.path().join("rootfs")).status().unwrap();
        assert!(st.success(), "copy rootfs");
        let id = unique(name);
        let cgroup = format!("/berth-test-{id}");
        let root = dir.path().join("state");
        let config = base_config(&cgroup);
        Bundle { dir, root, id, config, cgroup }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn rootfs(&self) -> PathBuf {
        self.dir.path().join("rootfs")
    }

    pub fn args(&mut self, args: &[&str]) -> &mut Self {
        self.config["process"]["args"] = json!(args);
        self
    }

    pub fn write_config(&self) {
        std::fs::write(self.path().join("config.json"), serde_json::to_vec_pretty(&self.config).unwrap()).unwrap();
    }

    /// `berth --root R <args...>` with the bundle written first. Output goes
    /// through files: a container left running holds berth's stdio open.
    pub fn berth(&self, args: &[&str]) -> Output {
        self.berth_files(args)
    }

    pub fn cmd(&self) -> Command {
        self.write_config();
        let mut cmd = Command::new(berth_bin());
        cmd.arg("--root").arg(&self.root);
        cmd
    }

    pub fn run(&self) -> Output {
        let b = self.path().to_str().unwrap().to_string();
        self.berth(&["run", "--bundle", &b, &self.id])
    }

    pub fn create(&self) -> Output {
        let b = self.path().to_str().unwrap().to_string();
        self.berth(&["create", "--bundle", &b, &self.id])
    }

    /// Runs `/probe <args>` in a container and parses its JSON line.
    pub fn probe(&mut self, args: &[&str]) -> Value {
        let mut full = vec!["/probe"];
        full.extend_from_slice(args);
        self.args(&full);
        let out = self.run();
        assert_ok(&out, "run probe");
        parse_json_line(&out.stdout)
    }

    pub fn report(&mut self) -> Value {
        self.probe(&["report"])
    }

    pub fn state(&self) -> Value {
        let out = self.berth(&["state", &self.id]);
        assert_ok(&out, "state");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Nothing of this container remains: state dir, cgroups, process.
    pub fn assert_clean(&self) {
        assert!(!self.root.join(&self.id).exists(), "state dir of {} left behind", self.id);
        for dir in cgroup_dirs(&self.cgroup) {
            assert!(!dir.exists(), "cgroup {} left behind", dir.display());
        }
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        assert!(!mounts.contains(self.path().to_str().unwrap()), "mount under {} left behind", self.path().display());
    }
}

impl Drop for Bundle {
    fn drop(&mut self) {
        let _ = Command::new(berth_bin()).arg("--root").arg(&self.root).args(["delete", "--force", &self.id]).output();
        for dir in cgroup_dirs(&self.cgroup).into_iter().rev() {
            let _ = std::fs::remove_dir(&dir);
        }
    }
}

/// Where a cgroup path lives in every mounted hierarchy.
pub fn cgroup_dirs(path: &str) -> Vec<PathBuf> {
    let rel = path.trim_start_matches('/');
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/sys/fs/cgroup") {
        for e in entries.flatten() {
            out.push(e.path().join(rel));
        }
    }
    if Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
        out.push(Path::new("/sys/fs/cgroup").join(rel));
    }
    out
}

pub fn base_config(cgroup: &str) -> Value {
    json!({
        "ociVersion": "1.2.1",
        "process": {
            "terminal": false,
            "user": {"uid": 0, "gid": 0},
            "args": ["/probe", "report"],
            "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
            "cwd": "/",
            "capabilities": {
                "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
            },
            "noNewPrivileges": true
        },
        "root": {"path": "rootfs", "readonly": false},
        "hostname": "probe-host",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}
        ],
        "linux": {
            "cgroupsPath": cgroup,
            "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
            "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware", "/proc/acpi"],
            "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger", "/proc/bus"]
        }
    })
}

pub fn parse_json_line(stdout: &[u8]) -> Value {
    let text = String::from_utf8_lossy(stdout);
    let line = text.lines().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no JSON in output: {text}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON {e}: {line}"))
}

pub fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A failed command: non-zero exit and exactly one line on stderr.
pub fn assert_one_line_error(out: &Output) -> String {
    assert!(!out.status.success(), "expected failure, got success; stdout: {}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(err.trim_end().lines().count(), 1, "error is not one line: {err:?}");
    err.trim_end().to_string()
}

pub fn caps_of(report: &Value, set: &str) -> Vec<String> {
    let mut v: Vec<String> =
        report["caps"][set].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    v.sort();
    v
}

pub fn mount_at<'a>(report: &'a Value, point: &str) -> Option<&'a Value> {
    report["mounts"].as_array().unwrap().iter().rev().find(|m| m["mount_point"] == point)
}

pub fn ns_inode(pid: &str, ns: &str) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).unwrap().to_string_lossy().into_owned()
}

// ---------------------------------------------------------------------------
// Helpers for tests that leave containers running between commands, read the
// JSON log, and check that nothing was left behind.

/// Runs `cmd` with stdout and stderr going to fresh files in `dir`: a created
/// container keeps berth's stdio, so with pipes `output()` would wait for the
/// container to exit. Returns what berth itself wrote.
pub fn output_via_files(mut cmd: Command, dir: &Path) -> Output {
    let out_path = dir.join(format!("{}.stdout", unique("out")));
    let err_path = dir.join(format!("{}.stderr", unique("err")));
    let out_f = std::fs::File::create(&out_path).unwrap();
    let err_f = std::fs::File::create(&err_path).unwrap();
    let status = cmd.stdin(Stdio::null()).stdout(out_f).stderr(err_f).status().unwrap();
    Output { status, stdout: std::fs::read(&out_path).unwrap(), stderr: std::fs::read(&err_path).unwrap() }
}

/// The lines of a `--log-format json` log, each checked to be an object with
/// string `level`, `msg` and `time`.
pub fn json_log_lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("log line is not JSON ({e}): {l:?}"));
            for key in ["level", "msg", "time"] {
                assert!(v[key].is_string(), "log line without string {key:?}: {l}");
            }
            v
        })
        .collect()
}

/// Processes whose command line has `id` as a whole argument or an argument
/// that starts with `bundle` (our own process excluded).
pub fn processes_mentioning(id: &str, bundle: &Path) -> Vec<(i32, String)> {
    let me = std::process::id() as i32;
    let bundle = bundle.to_string_lossy().into_owned();
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(raw) = std::fs::read(e.path().join("cmdline")) else { continue };
        let args: Vec<String> = raw.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
        if args.iter().any(|a| (!id.is_empty() && a == id) || a.starts_with(&bundle)) {
            found.push((pid, args.join(" ")));
        }
    }
    found
}

/// Kills one process we started (through a pidfd, so a recycled pid is never
/// hit) when dropped; for tests that expect berth to have done it already.
pub struct KillOnDrop(Option<std::os::fd::OwnedFd>);

impl KillOnDrop {
    pub fn new(pid: i32) -> KillOnDrop {
        use std::os::fd::FromRawFd;
        // SAFETY: pidfd_open takes integers and returns a new fd or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        // SAFETY: a fresh fd from the kernel.
        KillOnDrop((fd >= 0).then(|| unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) }))
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        if let Some(fd) = &self.0 {
            // SAFETY: pidfd_send_signal on a pidfd we own.
            unsafe {
                libc::syscall(libc::SYS_pidfd_send_signal, fd.as_raw_fd(), libc::SIGKILL, std::ptr::null::<u8>(), 0)
            };
            // The pidfd becomes readable once the process has exited: wait, so
            // its cgroup can be removed right after.
            let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd.
            unsafe { libc::poll(&mut p, 1, 10_000) };
        }
    }
}

impl Bundle {
    /// `berth --root R` without writing config.json first.
    pub fn raw_cmd(&self) -> Command {
        let mut cmd = Command::new(berth_bin());
        cmd.arg("--root").arg(&self.root);
        cmd
    }

    /// `berth --root R <args...>` (config written first) with stdio in files,
    /// for commands that leave a container behind (`create`, `run -d`).
    pub fn berth_files(&self, args: &[&str]) -> Output {
        self.write_config();
        let mut cmd = self.raw_cmd();
        cmd.args(args);
        output_via_files(cmd, self.path())
    }

    /// `create` that succeeds and leaves a created container.
    pub fn create_ok(&self) -> Value {
        let b = self.path().to_str().unwrap().to_string();
        let out = self.berth_files(&["create", "--bundle", &b, &self.id]);
        assert_ok(&out, "create");
        self.state()
    }

    pub fn bundle_arg(&self) -> String {
        self.path().to_str().unwrap().to_string()
    }

    /// Polls `state` until the status is `want` (bounded; no timing assertion);
    /// a container that does not exist yet is waited for as well.
    pub fn wait_status(&self, want: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..1000 {
            // The container may not exist yet (a `run` in the background).
            let out = self.berth(&["state", &self.id]);
            if out.status.success() {
                last = serde_json::from_slice(&out.stdout).unwrap();
                if last["status"] == want {
                    return last;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("container {} never became {want}: {last}", self.id);
    }

    /// No process refers to this container by id or bundle path.
    pub fn assert_no_process(&self) {
        let left = processes_mentioning(&self.id, self.path());
        assert!(left.is_empty(), "processes of {} left behind: {left:?}", self.id);
    }
}

/// Receives one fd sent with SCM_RIGHTS (a pty master, a pidfd) and the payload.
pub fn recv_fd_with_payload(conn: &std::os::unix::net::UnixStream) -> Option<(std::os::fd::OwnedFd, Vec<u8>)> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let mut buf = [0u8; 4096];
    let mut iov = [std::io::IoSliceMut::new(&mut buf)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let msg = recvmsg::<()>(conn.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC).ok()?;
    let n = msg.bytes;
    let mut fd = None;
    for c in msg.cmsgs().ok()? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            // SAFETY: the kernel just installed these fds in our table.
            let mut owned: Vec<OwnedFd> = fds.iter().map(|&fd| unsafe { OwnedFd::from_raw_fd(fd) }).collect();
            fd = owned.drain(..).next();
        }
    }
    Some((fd?, buf[..n].to_vec()))
}

pub fn recv_fd(conn: &std::os::unix::net::UnixStream) -> Option<std::os::fd::OwnedFd> {
    recv_fd_with_payload(conn).map(|(fd, _)| fd)
}

/// A container running `/probe exe-attack` (a CVE-2019-5736 style attempt on
/// every /proc/PID/exe it can see) in the foreground, its bounding, effective
/// and permitted sets extended by `extra_caps`, until `stop_attacker`.
pub fn start_attacker(name: &str, extra_caps: &[&str]) -> (Bundle, std::process::Child) {
    let mut a = Bundle::new(name);
    a.args(&["/probe", "exe-attack", "120", "/tmp/stop-attack"]);
    for set in ["bounding", "effective", "permitted"] {
        for c in extra_caps {
            a.config["process"]["capabilities"][set].as_array_mut().unwrap().push(json!(c));
        }
    }
    let bundle = a.bundle_arg();
    let child = a
        .cmd()
        .args(["run", "--bundle", &bundle, &a.id])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    a.wait_status("running");
    (a, child)
}

/// Ends the attack; returns its report after checking nothing is left behind.
pub fn stop_attacker(a: Bundle, child: std::process::Child) -> Value {
    std::fs::write(a.rootfs().join("tmp/stop-attack"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_ok(&out, "run attacker");
    a.assert_clean();
    parse_json_line(&out.stdout)
}

/// A container left running `sleep 300` (`change` edits its bundle first).
pub fn running(name: &str, change: impl FnOnce(&mut Bundle)) -> Bundle {
    let mut b = Bundle::new(name);
    b.args(&["sleep", "300"]);
    change(&mut b);
    let bundle = b.bundle_arg();
    assert_ok(&b.berth(&["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
    b.wait_status("running");
    b
}

/// What `criu check` says on this host.
pub enum Criu {
    Missing,
    /// It fails, with its stderr.
    Fails(String),
    Works,
}

pub fn criu_check() -> Criu {
    match Command::new("criu").arg("check").output() {
        Err(_) => Criu::Missing,
        Ok(o) if o.status.success() => Criu::Works,
        Ok(o) => Criu::Fails(String::from_utf8_lossy(&o.stderr).into_owned()),
    }
}

/// `delete --force`, then nothing of the container may remain.
pub fn stop(b: &Bundle) {
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete --force");
    b.assert_clean();
    b.assert_no_process();
}

/// Reads a pty master until every peer is closed (EIO).
pub fn read_pty(master: std::os::fd::OwnedFd) -> Vec<u8> {
    use std::io::Read;
    let mut f = std::fs::File::from(master);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if e.raw_os_error() == Some(libc::EIO) => break,
            Err(e) => panic!("read pty master: {e}"),
        }
    }
    out
}

/// The messages of a `--log-format json` log at `level` ("warning", "debug").
pub fn log_messages(path: &Path, level: &str) -> Vec<String> {
    json_log_lines(path)
        .into_iter()
        .filter(|l| l["level"] == level)
        .map(|l| l["msg"].as_str().unwrap().to_string())
        .collect()
}
