//! Many callers on one container at once, as engines and their retries
//! produce: 50 parallel `delete --force`, `kill` and `start`. Each call ends
//! in one of the answers a caller can act on (done; the container does not
//! exist; it is not running; it cannot be started), never in a raw errno of
//! a race (`remove ...: No such file or directory`), and nothing is left.
//!
//! Against berth 34eacf5 (`BERTH_TEST_BIN=...`), the delete calls that wait
//! on the lock of a directory another call removes fail with that raw
//! `remove` error, and a kill that loses the race says `no such process`.
mod common;
use common::*;
use std::process::{Child, Command, Stdio};

const N: usize = 50;

fn spawn_many(b: &Bundle, args: &[&str]) -> Vec<Child> {
    (0..N)
        .map(|_| {
            Command::new(berth_bin())
                .arg("--root")
                .arg(&b.root)
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect()
}

/// Waits for every call; returns how many succeeded, and each failure's
/// message after checking it is one of `allowed`.
fn outcomes(children: Vec<Child>, allowed: &[&str]) -> usize {
    let mut ok = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        if out.status.success() {
            ok += 1;
            continue;
        }
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        assert_eq!(err.lines().count(), 1, "not one line: {err:?}");
        assert!(allowed.iter().any(|a| err.contains(a)), "an answer no caller can act on: {err}");
    }
    ok
}

#[test]
fn parallel_delete_force_all_succeed() {
    let b = running("par-delete", |_| {});
    let ok = outcomes(spawn_many(&b, &["delete", "--force", &b.id]), &[]);
    assert_eq!(ok, N, "delete --force succeeds even when another call got there first");
    b.assert_clean();
    b.assert_no_process();
}

#[test]
fn parallel_kill_then_delete() {
    let b = running("par-kill", |_| {});
    let ok = outcomes(spawn_many(&b, &["kill", &b.id, "KILL"]), &["container not running"]);
    assert!(ok >= 1, "no kill succeeded");
    b.wait_status("stopped");
    let ok = outcomes(spawn_many(&b, &["delete", &b.id]), &["container does not exist"]);
    assert!(ok >= 1, "no delete succeeded");
    b.assert_clean();
    b.assert_no_process();
}

#[test]
fn parallel_start_starts_once() {
    let mut b = Bundle::new("par-start");
    b.args(&["sh", "-c", "echo started >> /started; sleep 60"]);
    let bundle = b.bundle_arg();
    assert_ok(&b.berth(&["create", "--bundle", &bundle, &b.id]), "create");
    let ok = outcomes(
        spawn_many(&b, &["start", &b.id]),
        &["cannot start a container that", "is not created", "container is running", "already"],
    );
    assert_eq!(ok, 1, "exactly one start runs the program");
    b.wait_status("running");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let started = std::fs::read_to_string(b.rootfs().join("started")).unwrap();
    assert_eq!(started, "started\n", "the program ran more than once");
    let ok = outcomes(spawn_many(&b, &["delete", "--force", &b.id]), &[]);
    assert_eq!(ok, N);
    b.assert_clean();
    b.assert_no_process();
}
