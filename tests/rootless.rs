//! Rootless mode (issue 12), as far as it goes: detection as runc does it
//! and the state directory it implies. Run as an ordinary user (nobody,
//! through setpriv) on the real binary.
mod common;
use common::*;
use std::process::Command;

const NOBODY: &str = "65534";

fn as_nobody(args: &[&str], xdg: Option<&std::path::Path>) -> std::process::Output {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", berth_bin()]).args(args);
    cmd.env_remove("XDG_RUNTIME_DIR");
    if let Some(x) = xdg {
        cmd.env("XDG_RUNTIME_DIR", x);
    }
    cmd.output().unwrap()
}

fn runtime_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(d.path(), Some(65534), Some(65534)).unwrap();
    d
}

#[test]
fn a_user_keeps_state_under_xdg_runtime_dir() {
    require_root();
    let xdg = runtime_dir();
    let out = as_nobody(&["list", "--format", "json"], Some(xdg.path()));
    assert_ok(&out, "list as nobody");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    // The state dir is made there when a container is made; `list` only
    // reads. An explicit --root still wins.
    let explicit = xdg.path().join("elsewhere");
    let out = as_nobody(&["--root", explicit.to_str().unwrap(), "list"], None);
    assert_ok(&out, "list --root as nobody without XDG_RUNTIME_DIR");
}

#[test]
fn without_xdg_runtime_dir_a_user_is_told_in_one_line() {
    require_root();
    let err = assert_one_line_error(&as_nobody(&["list"], None));
    assert!(err.contains("XDG_RUNTIME_DIR") && err.contains("--root"), "{err}");
    let missing = std::path::Path::new("/nonexistent-xdg");
    let err = assert_one_line_error(&as_nobody(&["state", "x"], Some(missing)));
    assert!(err.contains("XDG_RUNTIME_DIR /nonexistent-xdg"), "{err}");
    // spec and features keep no state and need none of it.
    let dir = runtime_dir();
    assert_ok(&as_nobody(&["spec", "--rootless", "--bundle", dir.path().to_str().unwrap()], None), "spec");
    assert_ok(&as_nobody(&["features"], None), "features");
}

#[test]
fn rootless_false_keeps_the_system_state_dir() {
    require_root();
    // Forced off, a user's berth looks in /run/berth (and finds nothing it
    // may read, or nothing at all): no XDG_RUNTIME_DIR error.
    let out = as_nobody(&["--rootless", "false", "list", "-q"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("XDG_RUNTIME_DIR"), "{err}");
    // And root on the host is not rootless: the default stays /run/berth.
    let out =
        Command::new(berth_bin()).args(["--rootless", "true", "list"]).env_remove("XDG_RUNTIME_DIR").output().unwrap();
    let err = assert_one_line_error(&out);
    assert!(err.contains("XDG_RUNTIME_DIR"), "--rootless true as root must use the user's dir: {err}");
}
