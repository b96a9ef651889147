//! Checkpoint and restore with CRIU (issue 13), where CRIU works: vmrun's
//! guest (Debian kernel 6.1; `make test-v2` runs these there). A container
//! counts into a file of its rootfs and holds another open; after a
//! restore the count goes on from where it was, and the file is still
//! held. Elsewhere (`criu check` failing) each test says it is skipped.
mod common;
use common::*;
use std::os::fd::AsFd;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn criu_works() -> bool {
    match criu_check() {
        Criu::Works => true,
        Criu::Missing => {
            eprintln!("SKIP: criu is not installed");
            false
        }
        Criu::Fails(_) => {
            eprintln!("SKIP: criu check fails on this host (make test-v2 runs this in a guest where it works)");
            false
        }
    }
}

const COUNTER: &str = "exec 3>/held; i=0; while true; do i=$((i+1)); echo $i > /counter; echo $i >&3; sleep 0.2; done";

/// A container counting in its rootfs, running detached.
fn counting(name: &str) -> Bundle {
    let b = running(name, |b| {
        b.args(&["sh", "-c", COUNTER]);
    });
    wait_count(&b.rootfs(), 3);
    b
}

fn count(rootfs: &Path) -> u64 {
    std::fs::read_to_string(rootfs.join("counter")).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

/// Waits (the guest is slow) until the count reaches `at_least`.
fn wait_count(rootfs: &Path, at_least: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let n = count(rootfs);
        if n >= at_least {
            return n;
        }
        assert!(Instant::now() < deadline, "the count stayed at {n}, below {at_least}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn berth_at(root: &Path, args: &[&str], dir: &Path) -> std::process::Output {
    let mut cmd = std::process::Command::new(berth_bin());
    cmd.arg("--root").arg(root).args(args);
    output_via_files(cmd, dir)
}

/// After a restore: running, counting on from `last` (never from 1
/// again), the file still held.
fn goes_on(root: &Path, id: &str, rootfs: &Path, last: u64, dir: &Path) {
    let out = berth_at(root, &["state", id], dir);
    assert_ok(&out, "state after restore");
    let state: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(state["status"], "running", "{state}");
    let first = wait_count(rootfs, 1);
    assert!(first >= last, "restarted from scratch: {first} after {last}");
    wait_count(rootfs, last + 3);
    let pid = state["pid"].as_i64().unwrap();
    let held = std::fs::read_link(format!("/proc/{pid}/fd/3")).unwrap();
    assert!(held.to_string_lossy().ends_with("/held"), "fd 3 is {}", held.display());
}

#[test]
fn a_checkpointed_container_goes_on_after_restore() {
    if !criu_works() {
        return;
    }
    let b = counting("cr-loop");
    let images = b.path().join("images");
    let images = images.to_str().unwrap();
    assert_ok(&b.berth(&["checkpoint", "--image-path", images, &b.id]), "checkpoint");
    // The container is gone, as with runc.
    let err = assert_one_line_error(&b.berth(&["state", &b.id]));
    assert!(err.contains("does not exist"), "{err}");
    let last = count(&b.rootfs());
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(count(&b.rootfs()), last, "something still counts");
    assert!(Path::new(images).join("berth.json").exists());
    let bundle = b.bundle_arg();
    assert_ok(&b.berth(&["restore", "-d", "--bundle", &bundle, "--image-path", images, &b.id]), "restore");
    goes_on(&b.root, &b.id, &b.rootfs(), last, b.path());
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete");
    b.assert_clean();
}

#[test]
fn leave_running_keeps_the_container() {
    if !criu_works() {
        return;
    }
    let b = counting("cr-leave");
    let images = b.path().join("images");
    let out = b.berth(&["checkpoint", "--leave-running", "--image-path", images.to_str().unwrap(), &b.id]);
    assert_ok(&out, "checkpoint --leave-running");
    assert!(images.join("inventory.img").exists());
    assert_eq!(b.state()["status"], "running");
    let n = count(&b.rootfs());
    wait_count(&b.rootfs(), n + 3);
    stop(&b);
}

#[test]
fn a_container_moves_to_another_root() {
    if !criu_works() {
        return;
    }
    let b = counting("cr-move");
    let images = b.path().join("images");
    assert_ok(&b.berth(&["checkpoint", "--image-path", images.to_str().unwrap(), &b.id]), "checkpoint");
    let last = count(&b.rootfs());
    // The other host: a copy of the bundle and the images, its own --root.
    let there = tempfile::Builder::new().prefix("berth-there-").tempdir_in("/tmp").unwrap();
    for what in ["config.json", "rootfs", "images"] {
        let st = std::process::Command::new("cp").arg("-a").arg(b.path().join(what)).arg(there.path()).status();
        assert!(st.unwrap().success(), "copy {what}");
    }
    let root_b: PathBuf = there.path().join("state");
    let moved = format!("{}-moved", b.id);
    let _guard = DeleteOnDrop(&root_b, &moved);
    let args = ["restore", "-d", "--bundle", there.path().to_str().unwrap()];
    let images_b = there.path().join("images");
    let out =
        berth_at(&root_b, &[&args[..], &["--image-path", images_b.to_str().unwrap(), &moved]].concat(), there.path());
    assert_ok(&out, "restore under another root");
    goes_on(&root_b, &moved, &there.path().join("rootfs"), last, there.path());
    assert_eq!(count(&b.rootfs()), last, "the old rootfs counts again");
    assert_ok(&berth_at(&root_b, &["delete", "--force", &moved], there.path()), "delete there");
    assert!(!root_b.join(&moved).exists(), "the moved container's state is left");
    stop(&b); // the original, and the cgroup both had (the same cgroupsPath)
}

/// A container under another --root, deleted however the test ends.
struct DeleteOnDrop<'a>(&'a Path, &'a str);

impl Drop for DeleteOnDrop<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new(berth_bin())
            .arg("--root")
            .arg(self.0)
            .args(["delete", "--force", self.1])
            .output();
    }
}

#[test]
fn pre_dump_then_dump() {
    if !criu_works() {
        return;
    }
    let b = counting("cr-pre");
    let pre = b.path().join("pre");
    let out = b.berth(&["checkpoint", "--pre-dump", "--image-path", pre.to_str().unwrap(), &b.id]);
    assert_ok(&out, "checkpoint --pre-dump");
    assert_eq!(b.state()["status"], "running", "a pre-dump leaves it running");
    let fin = b.path().join("final");
    let out = b.berth(&["checkpoint", "--parent-path", "../pre", "--image-path", fin.to_str().unwrap(), &b.id]);
    assert_ok(&out, "checkpoint --parent-path");
    let last = count(&b.rootfs());
    let bundle = b.bundle_arg();
    let out = b.berth(&["restore", "-d", "--bundle", &bundle, "--image-path", fin.to_str().unwrap(), &b.id]);
    assert_ok(&out, "restore from the final dump");
    goes_on(&b.root, &b.id, &b.rootfs(), last, b.path());
    stop(&b);
}

/// Reads the pty master until `want` shows up (or 60 s pass).
fn read_until(master: &std::os::fd::OwnedFd, want: &str) -> String {
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let mut fds = [nix::poll::PollFd::new(master.as_fd(), nix::poll::PollFlags::POLLIN)];
        if nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(500u16)).unwrap_or(0) > 0 {
            let mut buf = [0u8; 1024];
            match nix::unistd::read(master, &mut buf) {
                Ok(n) if n > 0 => seen.extend_from_slice(&buf[..n]),
                _ => break,
            }
        }
        if String::from_utf8_lossy(&seen).contains(want) {
            break;
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

#[test]
fn a_container_with_a_terminal_is_restored_with_one() {
    if !criu_works() {
        return;
    }
    let mut b = Bundle::new("cr-tty");
    b.config["process"]["terminal"] = serde_json::json!(true);
    b.args(&["sh"]);
    let sock = b.path().join("console.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    let bundle = b.bundle_arg();
    let out = b.berth(&["run", "-d", "--console-socket", sock.to_str().unwrap(), "--bundle", &bundle, &b.id]);
    assert_ok(&out, "run -d with a terminal");
    let master = recv_fd(&listener.accept().unwrap().0).expect("the pty master");
    nix::unistd::write(&master, b"echo before-$((1+1))\n").unwrap();
    let seen = read_until(&master, "before-2");
    assert!(seen.contains("before-2"), "{seen:?}");
    let images = b.path().join("images");
    let images = images.to_str().unwrap();
    assert_ok(&b.berth(&["checkpoint", "--image-path", images, &b.id]), "checkpoint with a terminal");
    drop(master);
    let sock2 = b.path().join("console2.sock");
    let listener2 = UnixListener::bind(&sock2).unwrap();
    let out = b.berth(&[
        "restore",
        "-d",
        "--console-socket",
        sock2.to_str().unwrap(),
        "--bundle",
        &bundle,
        "--image-path",
        images,
        &b.id,
    ]);
    assert_ok(&out, "restore with a terminal");
    let master = recv_fd(&listener2.accept().unwrap().0).expect("the restored pty master");
    nix::unistd::write(&master, b"echo after-$((2+3))\n").unwrap();
    let seen = read_until(&master, "after-5");
    assert!(seen.contains("after-5"), "the restored shell does not answer: {seen:?}");
    stop(&b);
}

/// Without -d, restore waits as `run` does and ends with the restored
/// process's status; the prestart and createRuntime hooks run again, with
/// the restored init's pid, as runc runs them on restore.
#[test]
fn a_foreground_restore_ends_with_the_process_and_runs_the_hooks() {
    if !criu_works() {
        return;
    }
    let mut b = Bundle::new("cr-fg");
    let log = b.path().join("hooks.log");
    let hook = |name: &str| {
        let script = format!("read state; echo \"{name} $state\" >> {}", log.display());
        serde_json::json!({"path": "/bin/sh", "args": ["sh", "-c", script]})
    };
    b.config["hooks"] = serde_json::json!({"prestart": [hook("prestart")], "createRuntime": [hook("createRuntime")]});
    b.args(&["sh", "-c", "i=0; while [ $i -lt 25 ]; do i=$((i+1)); echo $i > /counter; sleep 0.2; done; exit 7"]);
    let bundle = b.bundle_arg();
    assert_ok(&b.berth(&["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
    wait_count(&b.rootfs(), 3);
    let images = b.path().join("images");
    let images = images.to_str().unwrap();
    assert_ok(&b.berth(&["checkpoint", "--image-path", images, &b.id]), "checkpoint");
    let last = count(&b.rootfs());
    let out = b.berth(&["restore", "--bundle", &bundle, "--image-path", images, &b.id]);
    assert_eq!(out.status.code(), Some(7), "restore's status: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count(&b.rootfs()), 25, "the restored loop did not run to its end from {last}");
    let lines: Vec<String> = std::fs::read_to_string(&log).unwrap().lines().map(String::from).collect();
    assert_eq!(lines.len(), 4, "each hook once at create and once at restore: {lines:?}");
    assert!(lines[2].starts_with("prestart ") && lines[3].starts_with("createRuntime "), "{lines:?}");
    let state: serde_json::Value = serde_json::from_str(lines[2].split_once(' ').unwrap().1).unwrap();
    assert_eq!(state["id"], b.id.as_str());
    assert!(state["pid"].as_i64().unwrap() > 0, "{state}");
    // Ended and deleted, as `run` leaves it.
    let err = assert_one_line_error(&b.berth(&["state", &b.id]));
    assert!(err.contains("does not exist"), "{err}");
    b.assert_clean();
}
