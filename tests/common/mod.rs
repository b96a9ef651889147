//! Shared harness for integration tests: real bundles, the real binary, a
//! private --root per test, and a check that nothing is left behind.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn berth_bin() -> &'static str {
    env!("CARGO_BIN_EXE_berth")
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

    /// `berth --root R <args...>` with the bundle written first.
    pub fn berth(&self, args: &[&str]) -> Output {
        self.write_config();
        let mut cmd = Command::new(berth_bin());
        cmd.arg("--root").arg(&self.root).args(args).stdin(Stdio::null());
        cmd.output().unwrap()
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
    let mut v: Vec<String> = report["caps"][set].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    v.sort();
    v
}

pub fn mount_at<'a>(report: &'a Value, point: &str) -> Option<&'a Value> {
    report["mounts"].as_array().unwrap().iter().rev().find(|m| m["mount_point"] == point)
}

pub fn ns_inode(pid: &str, ns: &str) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).unwrap().to_string_lossy().into_owned()
}
