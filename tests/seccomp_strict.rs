//! After the seccomp filter is loaded, berth makes only the calls it cannot
//! avoid (capset, execve): a profile that allows nothing else but what the
//! container's own program needs still starts the container, for `run` and
//! for `exec`, with and without noNewPrivileges. Everything berth does
//! before (closing fds with close_range, the cwd check with getcwd, reads of
//! /proc with openat) must already be done when the filter loads.
mod common;
use common::*;
use serde_json::{json, Value};

/// What a static busybox needs to run `echo` and `sleep`, measured with
/// strace; prctl, openat, getcwd, close_range and everything else are denied.
const PROGRAM_NEEDS: [&str; 15] = [
    "arch_prctl",
    "brk",
    "exit_group",
    "getrandom",
    "getuid",
    "mprotect",
    "prlimit64",
    "readlink",
    "rseq",
    "set_robust_list",
    "set_tid_address",
    "write",
    "clock_nanosleep",
    "nanosleep",
    "restart_syscall",
];

/// The two calls that follow the filter in berth's handoff.
const BERTH_NEEDS: [&str; 2] = ["capset", "execve"];

fn strict_profile() -> Value {
    let names: Vec<&str> = PROGRAM_NEEDS.iter().chain(BERTH_NEEDS.iter()).copied().collect();
    json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": names, "action": "SCMP_ACT_ALLOW"}]
    })
}

/// The orders berth's handoff takes: with no_new_privs; without it, as an
/// unprivileged process (the filter before capset); and holding
/// CAP_SYS_ADMIN (capset before the filter).
fn variants() -> Vec<(&'static str, bool, &'static [&'static str])> {
    vec![
        ("nnp", true, &["CAP_KILL"]),
        ("no-nnp", false, &["CAP_KILL"]),
        ("no-nnp-sys-admin", false, &["CAP_KILL", "CAP_SYS_ADMIN"]),
    ]
}

fn strict(name: &str, nnp: bool, caps: &[&str]) -> Bundle {
    let mut b = Bundle::new(name);
    b.config["linux"]["seccomp"] = strict_profile();
    b.config["process"]["noNewPrivileges"] = json!(nnp);
    b.config["process"]["cwd"] = json!("/tmp");
    let caps = json!(caps);
    b.config["process"]["capabilities"] =
        json!({"bounding": caps, "effective": caps, "permitted": caps, "inheritable": caps, "ambient": caps});
    b
}

#[test]
fn run_under_a_profile_that_allows_only_the_programs_calls() {
    for (variant, nnp, caps) in variants() {
        let mut b = strict(&format!("strict-run-{variant}"), nnp, caps);
        b.args(&["/bin/busybox", "echo", "started"]);
        let out = b.run();
        assert_ok(&out, variant);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "started", "{variant}");
        b.assert_clean();
    }
}

#[test]
fn exec_under_a_profile_that_allows_only_the_programs_calls() {
    for (variant, nnp, caps) in variants() {
        let mut b = strict(&format!("strict-exec-{variant}"), nnp, caps);
        b.args(&["/bin/busybox", "sleep", "60"]);
        let bundle = b.bundle_arg();
        assert_ok(&b.berth(&["run", "-d", "--bundle", &bundle, &b.id]), &format!("{variant}: run -d"));
        b.wait_status("running");
        let out = b.berth(&["exec", &b.id, "/bin/busybox", "echo", "execd"]);
        assert_ok(&out, &format!("{variant}: exec"));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "execd", "{variant}");
        assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete --force");
        b.assert_clean();
        b.assert_no_process();
    }
}
