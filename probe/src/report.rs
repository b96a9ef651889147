//! The `report` subcommand: a snapshot of the process attributes a container
//! runtime is responsible for setting up.
//!
//! Syscalls are preferred over /proc wherever both exist, so the report stays
//! meaningful in a container without /proc; values that only /proc can
//! provide become null when it is missing.

use serde_json::{json, Map, Value};
use std::ffi::CStr;

use crate::caps;
use crate::mountinfo;
use crate::sys::{c_chars_to_string, errno, read_lossy, readlink};

/// Real, effective, saved and filesystem ids. getres[ug]id has no fs id;
/// setfs[ug]id(-1) is the documented way to read it without /proc: -1 is
/// never a valid id, so nothing changes and the previous value is returned.
fn ids() -> Map<String, Value> {
    let (mut r, mut e, mut s) = (0, 0, 0);
    let (mut rg, mut eg, mut sg) = (0, 0, 0);
    // SAFETY: the out-pointers reference live locals of the right type.
    let uid_ok = unsafe { libc::getresuid(&mut r, &mut e, &mut s) } == 0;
    // SAFETY: as above.
    let gid_ok = unsafe { libc::getresgid(&mut rg, &mut eg, &mut sg) } == 0;
    // SAFETY: an invalid id makes setfsuid/setfsgid a pure query.
    let fsuid = unsafe { libc::setfsuid(u32::MAX) } as u32;
    // SAFETY: as above.
    let fsgid = unsafe { libc::setfsgid(u32::MAX) } as u32;
    let opt = |ok: bool, v: u32| if ok { json!(v) } else { Value::Null };
    let mut m = Map::new();
    m.insert("uid".into(), opt(uid_ok, r));
    m.insert("euid".into(), opt(uid_ok, e));
    m.insert("suid".into(), opt(uid_ok, s));
    m.insert("fsuid".into(), json!(fsuid));
    m.insert("gid".into(), opt(gid_ok, rg));
    m.insert("egid".into(), opt(gid_ok, eg));
    m.insert("sgid".into(), opt(gid_ok, sg));
    m.insert("fsgid".into(), json!(fsgid));
    m
}

fn groups() -> Value {
    // SAFETY: a zero size with a null buffer only asks for the count.
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if n < 0 {
        return Value::Null;
    }
    let mut buf = vec![0 as libc::gid_t; n as usize];
    // SAFETY: buf has room for exactly n entries, which is what we pass.
    let n = unsafe { libc::getgroups(n, buf.as_mut_ptr()) };
    if n < 0 {
        return Value::Null;
    }
    buf.truncate(n as usize);
    json!(buf)
}

fn umask() -> u32 {
    // umask can only be read by setting it, so set a throwaway value and
    // immediately put the original back.
    // SAFETY: umask cannot fail and has no memory effects.
    let old = unsafe { libc::umask(0o022) };
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    old as u32
}

fn uname() -> (Value, Value) {
    // SAFETY: utsname is plain old data; all-zero is a valid value.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: u is a valid, writable utsname.
    if unsafe { libc::uname(&mut u) } != 0 {
        return (Value::Null, Value::Null);
    }
    (json!(c_chars_to_string(&u.nodename)), json!(c_chars_to_string(&u.domainname)))
}

/// prctl getters with no arguments return their answer as the result.
fn prctl_get(op: libc::c_int) -> Result<libc::c_int, i32> {
    // SAFETY: the PR_GET_* options used here take no pointer arguments.
    let rc = unsafe { libc::prctl(op, 0, 0, 0, 0) };
    if rc < 0 {
        Err(errno())
    } else {
        Ok(rc)
    }
}

const RLIMITS: [(&str, libc::__rlimit_resource_t); 16] = [
    ("RLIMIT_AS", libc::RLIMIT_AS),
    ("RLIMIT_CORE", libc::RLIMIT_CORE),
    ("RLIMIT_CPU", libc::RLIMIT_CPU),
    ("RLIMIT_DATA", libc::RLIMIT_DATA),
    ("RLIMIT_FSIZE", libc::RLIMIT_FSIZE),
    ("RLIMIT_LOCKS", libc::RLIMIT_LOCKS),
    ("RLIMIT_MEMLOCK", libc::RLIMIT_MEMLOCK),
    ("RLIMIT_MSGQUEUE", libc::RLIMIT_MSGQUEUE),
    ("RLIMIT_NICE", libc::RLIMIT_NICE),
    ("RLIMIT_NOFILE", libc::RLIMIT_NOFILE),
    ("RLIMIT_NPROC", libc::RLIMIT_NPROC),
    ("RLIMIT_RSS", libc::RLIMIT_RSS),
    ("RLIMIT_RTPRIO", libc::RLIMIT_RTPRIO),
    ("RLIMIT_RTTIME", libc::RLIMIT_RTTIME),
    ("RLIMIT_SIGPENDING", libc::RLIMIT_SIGPENDING),
    ("RLIMIT_STACK", libc::RLIMIT_STACK),
];

fn rlimits() -> Value {
    let mut m = Map::new();
    for (name, res) in RLIMITS {
        let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: rl is a valid, writable rlimit.
        let v = if unsafe { libc::getrlimit(res, &mut rl) } == 0 {
            json!({"soft": rl.rlim_cur, "hard": rl.rlim_max})
        } else {
            Value::Null
        };
        m.insert(name.into(), v);
    }
    Value::Object(m)
}

/// Open file descriptors, read via opendir so the directory's own fd is
/// known and can be left out (it is an artefact of looking, not something
/// the runtime leaked).
fn fds() -> Value {
    // SAFETY: the path is a valid C string literal.
    let dir = unsafe { libc::opendir(c"/proc/self/fd".as_ptr()) };
    if dir.is_null() {
        return Value::Null;
    }
    // SAFETY: dir is a valid, open DIR stream.
    let own_fd = unsafe { libc::dirfd(dir) };
    let mut out = Vec::new();
    loop {
        // SAFETY: dir is a valid, open DIR stream; the returned entry is
        // only used before the next readdir call.
        let ent = unsafe { libc::readdir(dir) };
        if ent.is_null() {
            break;
        }
        // SAFETY: d_name of a non-null entry is a NUL-terminated string.
        let name = unsafe { CStr::from_ptr((*ent).d_name.as_ptr()) };
        let Some(fd) = name.to_str().ok().and_then(|s| s.parse::<i32>().ok()) else {
            continue; // "." and ".."
        };
        if fd == own_fd {
            continue;
        }
        let target = readlink(format!("/proc/self/fd/{fd}"));
        out.push((fd, target));
    }
    // SAFETY: dir is open and not used afterwards.
    unsafe { libc::closedir(dir) };
    out.sort_by_key(|(fd, _)| *fd);
    Value::Array(out.into_iter().map(|(fd, target)| json!({"fd": fd, "target": target})).collect())
}

const NAMESPACES: [&str; 10] =
    ["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"];

fn namespaces() -> Value {
    let m: Map<String, Value> =
        NAMESPACES.iter().map(|ns| ((*ns).into(), json!(readlink(format!("/proc/self/ns/{ns}"))))).collect();
    Value::Object(m)
}

fn sched() -> Value {
    // SAFETY: pid 0 means the calling thread; no memory is touched.
    let policy = unsafe { libc::sched_getscheduler(0) };
    let mut param = libc::sched_param { sched_priority: 0 };
    // SAFETY: param is a valid, writable sched_param.
    let prio_ok = unsafe { libc::sched_getparam(0, &mut param) } == 0;
    json!({
        "policy": if policy >= 0 { json!(policy) } else { Value::Null },
        "priority": if prio_ok { json!(param.sched_priority) } else { Value::Null },
    })
}

fn ioprio() -> Value {
    const IOPRIO_WHO_PROCESS: libc::c_long = 1;
    // SAFETY: ioprio_get takes two integers (which, who=0 for self) and
    // touches no memory.
    let rc = unsafe { libc::syscall(libc::SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0 as libc::c_long) };
    if rc < 0 {
        Value::Null
    } else {
        json!(rc)
    }
}

/// Signals blocked in the probe's mask. The mask survives execve, so this
/// shows whether the runtime unblocked everything before starting the
/// container process.
fn blocked_signals() -> Value {
    // SAFETY: sigset_t is plain data; it is initialised by sigprocmask.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: a null new set makes this a pure query into `set`.
    if unsafe { libc::sigprocmask(libc::SIG_BLOCK, std::ptr::null(), &mut set) } != 0 {
        return Value::Null;
    }
    let blocked: Vec<i32> = (1..=libc::SIGRTMAX())
        // SAFETY: set is initialised and signo is within the valid range.
        .filter(|&s| unsafe { libc::sigismember(&set, s) } == 1)
        .collect();
    json!(blocked)
}

pub fn run() -> Value {
    let status = read_lossy("/proc/self/status").ok();
    let (hostname, domainname) = uname();
    let (seccomp, seccomp_errno) = match prctl_get(libc::PR_GET_SECCOMP) {
        Ok(v) => (v, None),
        Err(e) => (-1, Some(e)),
    };
    let oom_score_adj = read_lossy("/proc/self/oom_score_adj").ok().and_then(|s| s.trim().parse::<i64>().ok());
    // SAFETY: 0xffffffff is the documented "query only" persona value.
    let personality = unsafe { libc::personality(0xffff_ffff) };

    let mut m = Map::new();
    // SAFETY: getpid/getppid cannot fail.
    m.insert("pid".into(), json!(unsafe { libc::getpid() }));
    // SAFETY: as above.
    m.insert("ppid".into(), json!(unsafe { libc::getppid() }));
    m.extend(ids());
    m.insert("groups".into(), groups());
    m.insert("umask".into(), json!(umask()));
    m.insert("cwd".into(), json!(std::env::current_dir().ok().map(|p| p.to_string_lossy().into_owned())));
    m.insert("hostname".into(), hostname);
    m.insert("domainname".into(), domainname);
    let env: Vec<String> =
        std::env::vars_os().map(|(k, v)| format!("{}={}", k.to_string_lossy(), v.to_string_lossy())).collect();
    m.insert("env".into(), json!(env));
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    m.insert("args".into(), json!(args));
    m.insert("caps".into(), caps::collect(status.as_deref()));
    m.insert("no_new_privs".into(), json!(prctl_get(libc::PR_GET_NO_NEW_PRIVS).ok().map(|v| v != 0)));
    m.insert("dumpable".into(), json!(prctl_get(libc::PR_GET_DUMPABLE).ok()));
    m.insert("seccomp".into(), json!(seccomp));
    m.insert("seccomp_errno".into(), json!(seccomp_errno));
    m.insert("rlimits".into(), rlimits());
    m.insert("fds".into(), fds());
    m.insert("namespaces".into(), namespaces());
    m.insert("mounts".into(), json!(read_lossy("/proc/self/mountinfo").ok().map(|s| mountinfo::parse(&s))));
    m.insert("oom_score_adj".into(), json!(oom_score_adj));
    m.insert("sched".into(), sched());
    m.insert("ioprio".into(), ioprio());
    m.insert("personality".into(), json!(personality));
    m.insert("cgroup".into(), json!(read_lossy("/proc/self/cgroup").ok()));
    m.insert("sig_blocked".into(), blocked_signals());
    Value::Object(m)
}
