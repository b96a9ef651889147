//! Running berth as an ordinary user: a user made by
//! `integration/rootless-user.sh` (with subordinate ids), its own
//! XDG_RUNTIME_DIR, and bundles it can read. berth runs through setpriv
//! with that user's ids and groups and no capabilities at all.

use super::*;
use std::os::unix::fs::PermissionsExt;

pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub subuid: u32,
    pub subgid: u32,
    /// Its XDG_RUNTIME_DIR (mode 0700, its own): berth's state goes below.
    pub runtime_dir: tempfile::TempDir,
}

impl User {
    /// The user `name`, made if missing.
    pub fn get(name: &str) -> User {
        require_root();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("integration/rootless-user.sh");
        let out = Command::new(&script).arg(name).output().unwrap();
        assert_ok(&out, "integration/rootless-user.sh");
        let f: Vec<u32> = String::from_utf8_lossy(&out.stdout).split_whitespace().map(|x| x.parse().unwrap()).collect();
        let runtime_dir = tempfile::Builder::new().prefix("berth-xdg-").tempdir_in("/tmp").unwrap();
        std::os::unix::fs::chown(runtime_dir.path(), Some(f[0]), Some(f[1])).unwrap();
        User { name: name.into(), uid: f[0], gid: f[1], subuid: f[2], subgid: f[3], runtime_dir }
    }

    /// berth as this user, with `PATH` and its XDG_RUNTIME_DIR only.
    pub fn berth(&self) -> Command {
        // Found on our PATH: the one berth gets may leave it out.
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].into_iter().find(|p| Path::new(p).exists());
        let mut cmd = Command::new(setpriv.expect("setpriv (util-linux) is missing"));
        cmd.args(["--reuid", &self.uid.to_string(), "--regid", &self.gid.to_string(), "--init-groups"])
            // As a login would: no capability held or inheritable (the
            // bounding set stays whole, or setuid newuidmap would be powerless).
            .args(["--inh-caps=-all", berth_bin()])
            .env_clear()
            .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            .env("XDG_RUNTIME_DIR", self.runtime_dir.path())
            .current_dir("/");
        cmd
    }

    /// Where this user's berth keeps a container's state.
    pub fn state_dir(&self, id: &str) -> PathBuf {
        self.runtime_dir.path().join("berth").join(id)
    }

    /// A bundle this user can read, with a config for it: a user namespace
    /// mapping root inside to the user outside, no cgroup path.
    pub fn bundle(&self, name: &str) -> Bundle {
        let mut b = Bundle::new(name);
        std::fs::set_permissions(b.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let c = &mut b.config;
        c["linux"]["namespaces"].as_array_mut().unwrap().push(json!({"type": "user"}));
        c["linux"]["uidMappings"] = json!([{"containerID": 0, "hostID": self.uid, "size": 1}]);
        c["linux"]["gidMappings"] = json!([{"containerID": 0, "hostID": self.gid, "size": 1}]);
        c["linux"].as_object_mut().unwrap().remove("cgroupsPath");
        b
    }

    /// `berth <args>` as this user on bundle `b` (config written first),
    /// output through files (a container left running holds our stdio).
    pub fn run_on(&self, b: &Bundle, args: &[&str]) -> Output {
        b.write_config();
        let mut cmd = self.berth();
        cmd.args(args);
        output_via_files(cmd, b.path())
    }

    /// `berth run` of `b` as this user.
    pub fn run(&self, b: &Bundle) -> Output {
        let bundle = b.path().to_str().unwrap().to_string();
        self.run_on(b, &["run", "--bundle", &bundle, &b.id])
    }

    /// Runs `/probe <args>` in `b` as this user and parses its JSON line.
    pub fn probe(&self, b: &mut Bundle, args: &[&str]) -> Value {
        let mut full = vec!["/probe"];
        full.extend_from_slice(args);
        b.args(&full);
        let out = self.run(b);
        assert_ok(&out, "run probe rootless");
        parse_json_line(&out.stdout)
    }

    /// Nothing of `b` is left under this user's state dir, and no process
    /// of the container runs.
    pub fn assert_clean(&self, b: &Bundle) {
        assert!(!self.state_dir(&b.id).exists(), "state dir of {} left behind", b.id);
        b.assert_clean();
        assert!(processes_mentioning(&b.id, b.path()).is_empty(), "a process of {} left behind", b.id);
    }
}

impl Drop for User {
    fn drop(&mut self) {
        // Whatever a test left running under this user's state dir.
        let root = self.runtime_dir.path().join("berth");
        for e in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let id = e.file_name().to_string_lossy().into_owned();
            let _ = Command::new(berth_bin()).arg("--root").arg(&root).args(["delete", "--force", &id]).output();
        }
    }
}

/// Whether this machine can run rootless tests: unprivileged user
/// namespaces allowed. Prints a skip line when not.
pub fn userns_allowed() -> bool {
    let knob = std::fs::read_to_string("/proc/sys/kernel/unprivileged_userns_clone").unwrap_or_else(|_| "1".into());
    let max = std::fs::read_to_string("/proc/sys/user/max_user_namespaces").unwrap_or_else(|_| "1".into());
    let ok = knob.trim() != "0" && max.trim() != "0";
    if !ok {
        eprintln!("SKIP: this kernel does not allow unprivileged user namespaces");
    }
    ok
}
