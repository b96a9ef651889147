//! Helpers shared by tests/config_process.rs and tests/config_linux.rs: small
//! config edits, a lifecycle that tolerates containers outliving berth, shell
//! scripts with several probe calls, and host mounts that clean up after
//! themselves.
#![allow(dead_code)]

use crate::common::{assert_ok, berth_bin, ns_inode, unique, Bundle};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub trait ConfigBundle {
    /// Replaces linux.namespaces with new namespaces of these types.
    fn set_namespaces(&mut self, types: &[&str]) -> &mut Self;
    /// Appends a namespace entry (e.g. one with a `path`).
    fn push_namespace(&mut self, ns: Value) -> &mut Self;
    /// Appends an entry to `mounts`.
    fn push_mount(&mut self, m: Value) -> &mut Self;
    /// Writes a file inside the rootfs (parents created) with this mode.
    fn rootfs_file(&self, rel: &str, content: &str, mode: u32) -> PathBuf;
    /// Writes a file inside the bundle directory (parents created) with this mode.
    fn bundle_file(&self, rel: &str, content: &str, mode: u32) -> PathBuf;
    /// The bundle directory as a string.
    fn dir_arg(&self) -> String;
    /// `berth --root R <args...>` (config written first) with stdout and
    /// stderr in files: a created container inherits them, and a pipe it kept
    /// open would make `Command::output` wait for the container's exit.
    fn berth_via_files(&self, args: &[&str]) -> Output;
    /// `create` that may leave a container behind.
    fn create_detached(&self) -> Output;
    fn start_container(&self) -> Output;
    fn delete_container(&self, force: bool) -> Output;
    /// The host pid of the container's init, from `state`.
    fn host_pid(&self) -> i32;
    /// Runs `/bin/sh -c script` in the container, asserting success.
    fn sh_out(&mut self, script: &str) -> Output;
    /// Runs `/bin/sh -c script` in the container; every JSON line it printed.
    fn sh(&mut self, script: &str) -> Vec<Value>;
}

impl ConfigBundle for Bundle {
    fn set_namespaces(&mut self, types: &[&str]) -> &mut Self {
        self.config["linux"]["namespaces"] = Value::Array(types.iter().map(|t| json!({"type": t})).collect());
        self
    }

    fn push_namespace(&mut self, ns: Value) -> &mut Self {
        self.config["linux"]["namespaces"].as_array_mut().unwrap().push(ns);
        self
    }

    fn push_mount(&mut self, m: Value) -> &mut Self {
        self.config["mounts"].as_array_mut().unwrap().push(m);
        self
    }

    fn rootfs_file(&self, rel: &str, content: &str, mode: u32) -> PathBuf {
        write_file(&self.rootfs().join(rel.trim_start_matches('/')), content, mode)
    }

    fn bundle_file(&self, rel: &str, content: &str, mode: u32) -> PathBuf {
        write_file(&self.path().join(rel), content, mode)
    }

    fn dir_arg(&self) -> String {
        self.path().to_str().unwrap().to_string()
    }

    fn berth_via_files(&self, args: &[&str]) -> Output {
        self.write_config();
        let mut cmd = Command::new(berth_bin());
        cmd.arg("--root").arg(&self.root).args(args);
        output_to_files(cmd, self.path())
    }

    fn create_detached(&self) -> Output {
        let b = self.dir_arg();
        self.berth_via_files(&["create", "--bundle", &b, &self.id])
    }

    fn start_container(&self) -> Output {
        self.berth_via_files(&["start", &self.id])
    }

    fn delete_container(&self, force: bool) -> Output {
        if force {
            self.berth_via_files(&["delete", "--force", &self.id])
        } else {
            self.berth_via_files(&["delete", &self.id])
        }
    }

    fn host_pid(&self) -> i32 {
        let pid = self.state()["pid"].as_i64().unwrap_or(0) as i32;
        assert!(pid > 0, "container {} has no pid", self.id);
        pid
    }

    fn sh_out(&mut self, script: &str) -> Output {
        self.args(&["/bin/sh", "-c", script]);
        let out = self.run();
        assert_ok(&out, &format!("run sh -c {script:?}"));
        out
    }

    fn sh(&mut self, script: &str) -> Vec<Value> {
        let out = self.sh_out(script);
        parse_json_lines(&out.stdout)
    }
}

/// Runs `cmd` with stdout and stderr in fresh files under `dir`; returns them.
pub fn output_to_files(mut cmd: Command, dir: &Path) -> Output {
    let out_path = dir.join(format!(".{}.stdout", unique("cfg")));
    let err_path = dir.join(format!(".{}.stderr", unique("cfg")));
    let status = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .status()
        .unwrap();
    let out = Output { status, stdout: std::fs::read(&out_path).unwrap(), stderr: std::fs::read(&err_path).unwrap() };
    let _ = std::fs::remove_file(out_path);
    let _ = std::fs::remove_file(err_path);
    out
}

pub fn write_file(path: &Path, content: &str, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    path.to_path_buf()
}

pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every line of output that is a JSON object, in order.
pub fn parse_json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {e}: {l}")))
        .collect()
}

/// Lines of output that are not JSON, trimmed of `\r` (pty output).
pub fn text_lines(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .filter(|l| !l.starts_with('{') && !l.is_empty())
        .collect()
}

pub fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The test process's own namespace of this type, e.g. "net:[4026531840]".
pub fn host_ns(ns: &str) -> String {
    ns_inode("self", ns)
}

/// Runs a host command, asserting success.
pub fn host_cmd(args: &[&str]) -> Output {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert_ok(&out, &args.join(" "));
    out
}

/// A mount this test made on the host, lazily unmounted (with everything
/// under it) when dropped. Declare it after the Bundle, so it goes first.
pub struct HostMount(pub PathBuf);

impl HostMount {
    /// Binds `dir` onto itself and makes it shared: mounts under it would
    /// propagate to and from the host.
    pub fn shared_bind(dir: &Path) -> HostMount {
        let d = dir.to_str().unwrap();
        host_cmd(&["mount", "--bind", d, d]);
        let m = HostMount(dir.to_path_buf());
        host_cmd(&["mount", "--make-shared", d]);
        m
    }

    /// A shared tmpfs at `dir` (created if missing).
    pub fn shared_tmpfs(dir: &Path) -> HostMount {
        std::fs::create_dir_all(dir).unwrap();
        let d = dir.to_str().unwrap();
        host_cmd(&["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", d]);
        let m = HostMount(dir.to_path_buf());
        host_cmd(&["mount", "--make-shared", d]);
        m
    }

    /// A persistent network namespace bind-mounted on the file `path`.
    pub fn netns_file(path: &Path) -> HostMount {
        std::fs::write(path, "").unwrap();
        let arg = format!("--net={}", path.display());
        host_cmd(&["unshare", &arg, "true"]);
        HostMount(path.to_path_buf())
    }
}

impl Drop for HostMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).output();
    }
}

/// Host mount points at or under `dir`.
pub fn host_mounts_under(dir: &Path) -> Vec<String> {
    let d = dir.to_str().unwrap();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter_map(|l| l.split(' ').nth(4).map(str::to_string))
        .filter(|mp| mp == d || mp.starts_with(&format!("{d}/")))
        .collect()
}

/// The `optional` fields (shared:N, master:N, ...) of a probe mount entry.
pub fn optional_of(m: &Value) -> Vec<String> {
    m["optional"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

/// The comma-separated per-mount options of a probe mount entry.
pub fn options_of(m: &Value) -> Vec<String> {
    m["options"].as_str().unwrap().split(',').map(str::to_string).collect()
}

pub fn super_options_of(m: &Value) -> Vec<String> {
    m["super_options"].as_str().unwrap().split(',').map(str::to_string).collect()
}

/// Compares whitespace-separated fields, so `"0  100000  65536"` matches `"0 100000 65536"`.
pub fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

pub const EROFS: i64 = libc::EROFS as i64;
