//! Container state under `--root`: one directory per container holding
//! `state.json` (written tmp+rename, so readers never see half a file) and the
//! start socket. Commands that change a container hold an flock on its
//! directory, so two of them on one id run one after the other.

pub mod error;
pub mod init;
pub mod members;
pub mod start_barrier;
pub mod status;

pub use status::Status;

pub use error::Error;

use crate::cgroups::Placement;
use crate::error::{About, Result, SysResult};
use oci_spec::runtime::LinuxResources;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

pub const STATE_FILE: &str = "state.json";
/// The create->start barrier: init accepts one connection on it, then execs.

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub oci_version: String,
    pub id: String,
    /// What the last command recorded; `status()` adds liveness.
    pub status: Status,
    pub pid: i32,
    /// Start time of `pid` (clock ticks since boot): tells a reused pid apart.
    pub pid_start: u64,
    pub bundle: PathBuf,
    pub rootfs: PathBuf,
    pub created: String,
    pub owner: String,
    #[serde(default)]
    pub annotations: HashMap<String, String>,
    #[serde(default)]
    pub cgroups: Placement,
    #[serde(default)]
    pub hooks: Option<crate::hooks::Hooks>,
    #[serde(default)]
    pub own_pid_ns: bool,
    /// The container's linux.resources as last applied (create, then each
    /// `update` merged in): what a later update merges into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<LinuxResources>,
}

impl State {
    /// The status with liveness applied: a dead or replaced init means
    /// stopped; a live one keeps what was recorded (running, created, or
    /// paused until `resume`).
    pub fn status(&self) -> Status {
        if self.status == Status::Creating || self.status == Status::Stopped {
            return self.status;
        }
        if self.alive() {
            self.status
        } else {
            Status::Stopped
        }
    }

    pub fn alive(&self) -> bool {
        self.pid > 0
            && crate::sys::ProcStat::read(self.pid).is_ok_and(|s| s.start_time == self.pid_start && !s.exited())
    }

    /// The OCI state document, as `state` prints it (pid 0 once stopped, as
    /// runc shows it).
    pub fn oci_json(&self) -> serde_json::Value {
        let status = self.status();
        let pid = if status == Status::Stopped { 0 } else { self.pid };
        self.document(status, pid)
    }

    /// The state a hook reads on stdin: the phase's own status and the real
    /// pid even when the process has already exited (poststart of `true`).
    pub fn hook_json(&self, status: Status) -> serde_json::Value {
        self.document(status, self.pid)
    }

    fn document(&self, status: Status, pid: i32) -> serde_json::Value {
        serde_json::json!({
            "ociVersion": self.oci_version,
            "id": self.id,
            "status": status.as_str(),
            "pid": pid,
            "bundle": self.bundle,
            "rootfs": self.rootfs,
            "created": self.created,
            "owner": self.owner,
            "annotations": self.annotations,
        })
    }
}

/// The container is not there (never made, or deleted meanwhile).
fn missing(id: &str) -> crate::Error {
    crate::Error::container(id, Error::NotFound)
}

/// True when `e` says the container does not exist.
pub fn is_missing(e: &crate::Error) -> bool {
    e.chain().any(|c| matches!(c, crate::Error::State(Error::NotFound)))
}

/// A locked container directory.
pub struct ContainerDir {
    pub path: PathBuf,
    lock: File,
}

impl ContainerDir {
    /// Makes the directory for a new container; fails if the id is taken.
    pub fn create(root: &Path, id: &str) -> Result<ContainerDir> {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(root).sys_at("mkdir", root).flag("--root")?;
        let path = root.join(id);
        match std::fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(crate::Error::container(id, Error::Exists))
            }
            Err(e) => return Err(e).sys_at("mkdir", &path),
        }
        let lock = File::open(&path).sys_at("open", &path)?;
        Self::lock(path, lock)
    }

    /// Opens and locks an existing container's directory.
    ///
    /// The lock is taken on the directory we opened; by the time we hold it,
    /// the command before us may have removed that directory (a parallel
    /// `delete`), and a new container may even be using the name. So the
    /// lock counts only if the path still names the directory we locked;
    /// otherwise we look again.
    pub fn open(root: &Path, id: &str) -> Result<ContainerDir> {
        crate::spec::validate::container_id(id)?;
        let path = root.join(id);
        loop {
            let lock = match File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing(id)),
                Err(e) => return Err(e).sys_at("open", &path),
            };
            let dir = Self::lock(path.clone(), lock)?;
            match (dir.lock.metadata(), std::fs::metadata(&path)) {
                (Ok(held), Ok(now)) if held.dev() == now.dev() && held.ino() == now.ino() => return Ok(dir),
                (_, Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing(id)),
                _ => continue,
            }
        }
    }

    fn lock(path: PathBuf, lock: File) -> Result<ContainerDir> {
        // SAFETY: flock on an fd we own; blocks until other commands on this id finish.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(crate::error::SysError::new("flock", Some(&path), crate::error::OsError::last()).into());
        }
        Ok(ContainerDir { path, lock })
    }

    pub fn lock_fd(&self) -> i32 {
        self.lock.as_raw_fd()
    }

    pub fn load(&self) -> Result<State> {
        read_state(&self.path)
    }

    pub fn save(&self, state: &State) -> Result<()> {
        let tmp = self.path.join(".state.json.tmp");
        let mut f = File::create(&tmp).sys_at("create", &tmp)?;
        let text = serde_json::to_vec(state).map_err(|e| Error::Corrupt { path: tmp.clone(), msg: e.to_string() })?;
        f.write_all(&text).sys_at("write", &tmp)?;
        drop(f);
        std::fs::rename(&tmp, self.path.join(STATE_FILE)).sys_at("rename", &tmp)
    }

    pub fn remove(self) -> Result<()> {
        match std::fs::remove_dir_all(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).sys_at("remove", &self.path),
            _ => Ok(()),
        }
    }
}

/// Reads a container's state without locking (state.json is replaced atomically).
pub fn read_state(dir: &Path) -> Result<State> {
    let path = dir.join(STATE_FILE);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(missing(&dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()))
        }
        Err(e) => return Err(e).sys_at("read", &path),
    };
    serde_json::from_slice(&text).map_err(|e| Error::Corrupt { path, msg: e.to_string() }.into())
}

pub fn load(root: &Path, id: &str) -> Result<State> {
    crate::spec::validate::container_id(id)?;
    read_state(&root.join(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: Status, pid: i32, pid_start: u64) -> State {
        State {
            oci_version: "1.2.1".into(),
            id: "c".into(),
            status,
            pid,
            pid_start,
            bundle: "/b".into(),
            rootfs: "/b/rootfs".into(),
            created: String::new(),
            owner: "root".into(),
            annotations: HashMap::new(),
            cgroups: Placement::default(),
            hooks: None,
            own_pid_ns: false,
            resources: None,
        }
    }

    #[test]
    fn paused_stays_paused_while_init_lives() {
        let me = std::process::id() as i32;
        let start = crate::sys::ProcStat::read(me).unwrap().start_time;
        assert_eq!(state(Status::Paused, me, start).status(), Status::Paused);
        assert_eq!(state(Status::Paused, me, start + 1).status(), Status::Stopped, "another process on that pid");
        assert_eq!(state(Status::Running, 0, 0).status(), Status::Stopped);
    }

    #[test]
    fn resources_round_trip_and_old_files_load() {
        let mut s = state(Status::Running, 1, 1);
        s.resources = Some(serde_json::from_str(r#"{"pids":{"limit":5}}"#).unwrap());
        let back: State = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back.resources.unwrap().pids().unwrap().limit(), 5);
        let mut old = serde_json::to_value(state(Status::Running, 1, 1)).unwrap();
        old.as_object_mut().unwrap().remove("resources");
        assert!(serde_json::from_value::<State>(old).unwrap().resources.is_none());
    }
}
