//! seccomp in real containers, under the profile Debian's containers-common
//! ships (the one podman uses), converted to OCI form as podman does.
mod common;
use common::*;
use serde_json::{json, Value};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const PROFILE: &str = "/usr/share/containers/seccomp.json";
// x86_64 syscall numbers.
const GETPPID: u64 = 110;
const PERSONALITY: u64 = 135;
const ACCT: u64 = 163;
const CREATE_MODULE: u64 = 174;
const KEXEC_LOAD: u64 = 246;
const ENOSYS: i64 = 38;
const EPERM: i64 = 1;

/// containers-common's profile as the OCI `linux.seccomp` podman would
/// generate for a container holding `caps`: arch map flattened, entries kept
/// or dropped by their includes/excludes caps.
fn containers_common(caps: &[&str]) -> Value {
    let text = std::fs::read_to_string(PROFILE)
        .unwrap_or_else(|e| panic!("{PROFILE}: {e} (install golang-github-containers-common; `make test` does)"));
    let p: Value = serde_json::from_str(&text).unwrap();
    let has =
        |list: &Value| list.as_array().map(|l| l.iter().all(|c| caps.contains(&c.as_str().unwrap()))).unwrap_or(true);
    let any = |list: &Value| list.as_array().is_some_and(|l| l.iter().any(|c| caps.contains(&c.as_str().unwrap())));
    let mut archs = vec![];
    for a in p["archMap"].as_array().unwrap() {
        if a["architecture"] == "SCMP_ARCH_X86_64" {
            archs.push(a["architecture"].clone());
            archs.extend(a["subArchitectures"].as_array().unwrap().iter().cloned());
        }
    }
    let arch_ok =
        |list: &Value| list.as_array().map(|l| l.iter().any(|a| a == "amd64" || a == "x86_64")).unwrap_or(true);
    let syscalls: Vec<Value> = p["syscalls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| has(&s["includes"]["caps"]) && arch_ok(&s["includes"]["arches"]))
        .filter(|s| !any(&s["excludes"]["caps"]))
        .map(|s| {
            let mut o = json!({"names": s["names"], "action": s["action"]});
            if let Some(e) = s.get("errnoRet").filter(|e| !e.is_null()) {
                o["errnoRet"] = e.clone();
            }
            if let Some(a) = s.get("args").filter(|a| a.as_array().is_some_and(|a| !a.is_empty())) {
                o["args"] = a.clone();
            }
            o
        })
        .collect();
    json!({"defaultAction": p["defaultAction"], "defaultErrnoRet": p["defaultErrnoRet"], "architectures": archs, "syscalls": syscalls})
}

fn profiled(name: &str) -> Bundle {
    let mut b = Bundle::new(name);
    b.config["linux"]["seccomp"] = containers_common(&["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
    b
}

/// Runs each `/probe syscall ...` line in one container; returns the reports.
fn syscalls(b: &mut Bundle, calls: &[&[u64]]) -> Vec<Value> {
    let script: Vec<String> = calls
        .iter()
        .map(|c| format!("/probe syscall {}", c.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" ")))
        .collect();
    b.args(&["/bin/sh", "-c", &script.join("; ")]);
    let out = b.run();
    assert_ok(&out, "run");
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_busybox_shell_works_under_the_profile() {
    let mut b = profiled("sc-shell");
    b.args(&["/bin/sh", "-c", "echo hello; ls / >/dev/null && cat /etc/passwd | wc -l; sleep 0.01 & wait; echo done"]);
    let out = b.run();
    assert_ok(&out, "run under containers-common");
    assert_eq!(String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>(), ["hello", "2", "done"]);
    b.assert_clean();
}

#[test]
fn denied_syscalls_return_the_configured_errno() {
    let mut b = profiled("sc-errno");
    let v = syscalls(&mut b, &[&[GETPPID], &[KEXEC_LOAD, 0, 0, 0, 0], &[ACCT, 0], &[CREATE_MODULE]]);
    assert!(v[0]["ret"].as_i64().unwrap() >= 0, "getppid is allowed: {}", v[0]);
    assert_eq!(v[1]["errno"], EPERM, "kexec_load: errnoRet 1 in the profile: {}", v[1]);
    assert_eq!(v[2]["errno"], EPERM, "acct without CAP_SYS_PACCT: {}", v[2]);
    assert_eq!(v[3]["errno"], ENOSYS, "not in the profile: defaultErrnoRet 38: {}", v[3]);
    b.assert_clean();
}

#[test]
fn capabilities_select_the_profile_entries() {
    // With CAP_SYS_PACCT the profile allows acct: acct(NULL) then succeeds.
    let mut b = Bundle::new("sc-caps");
    for set in ["bounding", "effective", "permitted"] {
        b.config["process"]["capabilities"][set].as_array_mut().unwrap().push(json!("CAP_SYS_PACCT"));
    }
    b.config["linux"]["seccomp"] =
        containers_common(&["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_PACCT"]);
    let v = syscalls(&mut b, &[&[ACCT, 0]]);
    assert_eq!(v[0]["ret"], 0, "acct(NULL) allowed with CAP_SYS_PACCT: {}", v[0]);
    b.assert_clean();
}

#[test]
fn argument_filters_allow_one_value_and_deny_another() {
    let mut b = profiled("sc-args");
    let v = syscalls(&mut b, &[&[PERSONALITY, 0xffff_ffff], &[PERSONALITY, 0], &[PERSONALITY, 4]]);
    assert!(v[0]["ret"].as_i64().unwrap() >= 0, "personality(query) allowed: {}", v[0]);
    assert_eq!(v[1]["ret"], 0, "personality(PER_LINUX) allowed: {}", v[1]);
    assert_eq!(v[2]["errno"], ENOSYS, "personality(4) matches no rule: default ENOSYS: {}", v[2]);
    b.assert_clean();
}

#[test]
fn a_kill_process_rule_kills() {
    let mut b = profiled("sc-kill");
    // acct: a syscall the shell itself never makes.
    b.config["linux"]["seccomp"]["syscalls"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"names": ["acct"], "action": "SCMP_ACT_KILL_PROCESS"}));
    b.args(&["/bin/sh", "-c", &format!("/probe syscall {ACCT} 0; echo status=$?")]);
    let out = b.run();
    assert_ok(&out, "run");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "status=159", "SIGSYS (31) kills the process");
    b.assert_clean();
}

#[test]
fn without_no_new_privileges_the_filter_still_applies() {
    let mut b = profiled("sc-nonnp");
    b.config["process"]["noNewPrivileges"] = json!(false);
    let v = syscalls(&mut b, &[&[KEXEC_LOAD, 0, 0, 0, 0], &[GETPPID]]);
    assert_eq!(v[0]["errno"], EPERM, "{}", v[0]);
    assert!(v[1]["ret"].as_i64().unwrap() >= 0);
    b.assert_clean();
}

// --- NOTIFY: a test agent receives the listener and answers a syscall.

#[repr(C)]
#[derive(Default)]
struct SeccompData {
    nr: i32,
    arch: u32,
    ip: u64,
    args: [u64; 6],
}
#[repr(C)]
#[derive(Default)]
struct Notif {
    id: u64,
    pid: u32,
    flags: u32,
    data: SeccompData,
}
#[repr(C)]
struct NotifResp {
    id: u64,
    val: i64,
    error: i32,
    flags: u32,
}
const NOTIF_RECV: libc::c_ulong = 0xc050_2100;
const NOTIF_SEND: libc::c_ulong = 0xc018_2101;

/// Accepts the runtime's connection, takes the listener fd and the state,
/// answers every notification with 4242 until the container is gone, and
/// returns the state message and how many it answered.
fn agent(listener: std::os::unix::net::UnixListener) -> Value {
    let (conn, _) = listener.accept().unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut iov = [std::io::IoSliceMut::new(&mut buf)];
    let mut cmsg = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let msg = nix::sys::socket::recvmsg::<()>(
        conn.as_raw_fd(),
        &mut iov,
        Some(&mut cmsg),
        nix::sys::socket::MsgFlags::empty(),
    )
    .unwrap();
    let mut fd = None;
    for c in msg.cmsgs().unwrap() {
        if let nix::sys::socket::ControlMessageOwned::ScmRights(fds) = c {
            // SAFETY: the kernel just gave us this fd.
            fd = Some(unsafe { OwnedFd::from_raw_fd(fds[0]) });
        }
    }
    let n = msg.bytes;
    let state: Value = serde_json::from_slice(&buf[..n]).unwrap();
    let fd = fd.expect("listener fd");
    let mut answered = 0;
    let mut nrs = vec![];
    loop {
        let mut notif = Notif::default();
        // SAFETY: a zeroed seccomp_notif for the kernel to fill. It fails once
        // no process uses the filter any more.
        if unsafe { libc::ioctl(fd.as_raw_fd(), NOTIF_RECV, &mut notif) } != 0 {
            break;
        }
        nrs.push(notif.data.nr);
        let resp = NotifResp { id: notif.id, val: 4242, error: 0, flags: 0 };
        // SAFETY: a valid seccomp_notif_resp.
        if unsafe { libc::ioctl(fd.as_raw_fd(), NOTIF_SEND, &resp) } == 0 {
            answered += 1;
        }
    }
    let mut rest = String::new();
    let _ = (&conn).read_to_string(&mut rest);
    json!({"state": state, "nrs": nrs, "answered": answered})
}

#[test]
fn notify_reaches_the_agent_which_answers() {
    let mut b = profiled("sc-notify");
    let sock = b.path().join("agent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let handle = std::thread::spawn(move || agent(listener));
    let sc = &mut b.config["linux"]["seccomp"];
    sc["listenerPath"] = json!(sock.to_str().unwrap());
    sc["listenerMetadata"] = json!("test-meta");
    sc["syscalls"].as_array_mut().unwrap().insert(0, json!({"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}));
    let v = syscalls(&mut b, &[&[GETPPID]]);
    assert_eq!(v[0]["ret"], 4242, "the agent's answer: {}", v[0]);
    let got = handle.join().unwrap();
    assert!(got["answered"].as_u64().unwrap() >= 1, "{got}");
    assert!(got["nrs"].as_array().unwrap().iter().all(|n| n == GETPPID), "{got}");
    let state = &got["state"];
    assert_eq!(state["fds"], json!(["seccompFd"]));
    assert_eq!(state["metadata"], "test-meta");
    assert_eq!(state["state"]["id"], b.id.as_str());
    assert!(state["pid"].as_i64().unwrap() > 1, "host pid: {state}");
    b.assert_clean();
}

// --- Bad profiles: one line naming the field, nothing left behind.

#[test]
fn bad_profiles_are_one_line_errors() {
    let base =
        || json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]});
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut p = base();
                p["defaultAction"] = json!("SCMP_ACT_BOGUS");
                p
            },
            "linux.seccomp.defaultAction",
        ),
        (
            {
                let mut p = base();
                p["syscalls"][0]["action"] = json!("SCMP_ACT_NOPE");
                p
            },
            "linux.seccomp.syscalls[0].action",
        ),
        (
            {
                let mut p = base();
                p["syscalls"][0]["args"] = json!([{"index": 0, "value": 1, "op": "SCMP_CMP_WHAT"}]);
                p
            },
            "linux.seccomp.syscalls[0].args[0].op",
        ),
        (
            {
                let mut p = base();
                p["syscalls"][0]["args"] = json!([{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]);
                p
            },
            "linux.seccomp.syscalls[0].args[0].index",
        ),
        (
            {
                let mut p = base();
                p["syscalls"][0]["names"] = json!([]);
                p
            },
            "linux.seccomp.syscalls[0].names",
        ),
        (
            {
                let mut p = base();
                p["architectures"] = json!(["SCMP_ARCH_Z80"]);
                p
            },
            "linux.seccomp.architectures",
        ),
        (
            {
                let mut p = base();
                p["flags"] = json!(["SECCOMP_FILTER_FLAG_BOGUS"]);
                p
            },
            "linux.seccomp.flags",
        ),
        (
            {
                let mut p = base();
                p["syscalls"][0]["action"] = json!("SCMP_ACT_NOTIFY");
                p
            },
            "linux.seccomp",
        ),
    ];
    for (profile, field) in cases {
        let mut b = Bundle::new("sc-bad");
        b.config["linux"]["seccomp"] = profile.clone();
        let err = assert_one_line_error(&b.run());
        assert!(err.contains(field), "{profile}: {err}");
        b.assert_clean();
    }
}

#[test]
fn features_list_seccomp_support() {
    let out = std::process::Command::new(berth_bin()).arg("features").output().unwrap();
    let f: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &f["linux"]["seccomp"];
    assert_eq!(s["enabled"], true);
    for (key, want) in [("actions", "SCMP_ACT_NOTIFY"), ("operators", "SCMP_CMP_MASKED_EQ"), ("archs", "SCMP_ARCH_X32")]
    {
        assert!(s[key].as_array().unwrap().iter().any(|v| v == want), "{key} lacks {want}: {s}");
    }
}
