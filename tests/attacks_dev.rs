//! A rootfs that plants symlinks and fifos in its own /dev (no tmpfs over
//! it) where berth puts the console, the pty multiplexer and the default
//! device nodes (the CVE-2025-52565 pattern). berth reaches them from a
//! handle on /dev and takes them as they are (src/rootfs/dev_dir.rs): what
//! it would have to follow or open as something else is an error naming it,
//! and nothing the planted entry points at is mounted over or written.
//!
//! Each test can fail. Against a build that resolves these paths through
//! the in-root symlink walk (berth 34eacf5, before dev_dir.rs), run with
//! `BERTH_TEST_BIN=/path/to/old/berth cargo test --test attacks_dev`: the
//! console is mounted over the symlink's target and create succeeds, a fifo
//! at /dev/console is mounted over, and a symlink at /dev/null is replaced
//! silently. The fifo at /dev/pts/ptmx was refused by that build too, but
//! only after opening it read-write, which no test sees from outside; the
//! /dev/ptmx test guards the replacement, which that build already did.
mod common;
use common::*;
use serde_json::{json, Value};
use std::os::unix::net::UnixListener;
use std::path::Path;

/// A bundle with the image's own /dev (no tmpfs), a terminal, and a
/// canary file in the rootfs that a planted symlink points at.
fn own_dev(name: &str, keep_pts: bool) -> Bundle {
    let mut b = Bundle::new(name);
    let mounts = b.config["mounts"].as_array_mut().unwrap();
    mounts.retain(|m| m["destination"] != "/dev" && (keep_pts || m["destination"] != "/dev/pts"));
    b.config["process"]["terminal"] = json!(true);
    b.args(&["/bin/true"]);
    std::fs::create_dir_all(b.rootfs().join("dev/pts")).unwrap();
    std::fs::write(b.rootfs().join("etc/canary"), "canary\n").unwrap();
    std::fs::write(host_canary(&b), "host canary\n").unwrap();
    b
}

/// A file on the host, outside the rootfs, that planted links also name.
fn host_canary(b: &Bundle) -> std::path::PathBuf {
    b.path().join("host-canary")
}

/// A symlink to the canary in the rootfs (as the container sees it), or
/// through `..` to the host's canary.
fn plant_symlink(b: &Bundle, at: &str) {
    let p = b.rootfs().join(at.trim_start_matches('/'));
    let _ = std::fs::remove_file(&p);
    let target = if at.ends_with("null") {
        format!("../../../../../../..{}", host_canary(b).display())
    } else {
        "/etc/canary".into()
    };
    std::os::unix::fs::symlink(target, &p).unwrap();
}

fn plant_fifo(b: &Bundle, at: &str) {
    let p = b.rootfs().join(at.trim_start_matches('/'));
    let _ = std::fs::remove_file(&p);
    nix::unistd::mkfifo(&p, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
}

/// `create --console-socket` (a listener that never accepts is enough for
/// the refusals, which come before the pty is sent).
fn create_with_console(b: &Bundle) -> std::process::Output {
    let sock = b.path().join("console.sock");
    let _listener = UnixListener::bind(&sock).unwrap();
    b.berth(&["create", "--console-socket", sock.to_str().unwrap(), "--bundle", &b.bundle_arg(), &b.id])
}

fn assert_canary_untouched(b: &Bundle) {
    assert_eq!(std::fs::read_to_string(b.rootfs().join("etc/canary")).unwrap(), "canary\n");
    assert_eq!(std::fs::read_to_string(host_canary(b)).unwrap(), "host canary\n", "the host's canary changed");
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains("canary"), "something is mounted over a canary");
}

fn refused(b: &Bundle, out: &std::process::Output, needles: &[&str]) {
    let err = assert_one_line_error(out);
    for n in needles {
        assert!(err.contains(n), "error {err:?} does not name {n:?}");
    }
    assert_canary_untouched(b);
    b.assert_clean();
    b.assert_no_process();
}

#[test]
fn a_symlink_at_dev_console_is_refused() {
    let b = own_dev("dev-console-link", true);
    plant_symlink(&b, "/dev/console");
    refused(&b, &create_with_console(&b), &["/dev/console", "symlink"]);
}

#[test]
fn a_fifo_at_dev_console_is_refused() {
    let b = own_dev("dev-console-fifo", true);
    plant_fifo(&b, "/dev/console");
    refused(&b, &create_with_console(&b), &["/dev/console", "fifo"]);
}

#[test]
fn a_symlink_at_a_default_device_node_is_refused() {
    let mut b = own_dev("dev-null-link", true);
    b.config["process"]["terminal"] = json!(false);
    plant_symlink(&b, "/dev/null");
    refused(&b, &b.run(), &["/dev/null", "symlink"]);
}

#[test]
fn a_fifo_where_devpts_should_be_is_never_opened() {
    let b = own_dev("dev-ptmx-fifo", false);
    plant_fifo(&b, "/dev/pts/ptmx");
    refused(&b, &create_with_console(&b), &["process.terminal", "/dev/pts", "devpts"]);
}

/// /dev/ptmx itself is berth's to make (a symlink into devpts): a planted
/// symlink or fifo there is replaced, never followed, and the container runs.
#[test]
fn a_planted_dev_ptmx_is_replaced() {
    for plant in [plant_symlink as fn(&Bundle, &str), plant_fifo] {
        let mut b = own_dev("dev-ptmx", true);
        b.config["process"]["terminal"] = json!(false);
        plant(&b, "/dev/ptmx");
        let report: Value = b.probe(&["stat", "/dev/ptmx"]);
        assert_eq!((&report["kind"], &report["link"]), (&json!("symlink"), &json!("pts/ptmx")), "/dev/ptmx: {report}");
        let link = std::fs::read_link(b.rootfs().join("dev/ptmx")).unwrap();
        assert_eq!(link, Path::new("pts/ptmx"));
        assert_canary_untouched(&b);
        b.assert_clean();
    }
}
