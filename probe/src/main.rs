//! berth-probe: a static diagnostic binary that integration tests copy into a
//! container's rootfs and run inside the container to report what the
//! process there can see and do.
//!
//! Every subcommand prints exactly one line of compact JSON on stdout (except
//! `sleep`, `exit` and a fatal `kill-self`), so tests can parse the result
//! without caring about formatting. Failures of the probed operation are
//! reported as data (`ok`/`errno`), never as a non-zero exit.
//!
//! The binary uses `#![no_main]` so that Rust's runtime setup does not run
//! before us: it would replace closed fds 0-2 with /dev/null (aborting if
//! /dev/null is missing, as in an empty rootfs) and set SIGPIPE to SIG_IGN,
//! both of which would hide the state the runtime actually handed us.
//! `std::env::args_os` still works because glibc passes argv to std's
//! `.init_array` hook.

// The unit-test harness brings its own `main`, which needs std's setup.
#![cfg_attr(not(test), no_main)]
#![cfg_attr(test, allow(dead_code))]

mod attack;
mod caps;
mod mountinfo;
mod report;
mod sys;

use serde_json::{json, Value};
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use sys::{err_code, errno, lossy, open_raw};

const USAGE: &str = "usage: berth-probe <command> [args]
commands:
  report                 process attributes as JSON
  stat PATH              lstat PATH
  read PATH              read the whole file
  write PATH DATA        open O_WRONLY (no O_CREAT) and write DATA
  open PATH r|w|rw|path  attempt an open with that access mode
  sysctl NAME            read /proc/sys/<NAME with dots as slashes>
  sleep SECS             sleep, no output
  alloc MIB              allocate and touch MIB MiB, then report how many
  syscall NR [ARG...]    make raw syscall NR with up to 6 integer args; report ret and errno
  rusage CMD [ARG...]    run CMD and report its status, wall and CPU time and peak RSS (for benchmarks:
                         a small static parent keeps its own memory out of the child's peak)
  exit N                 exit with status N, no output
  notify MSG             send MSG as one datagram to $NOTIFY_SOCKET (sd_notify)
  kill-self SIG          raise SIG (number or name, e.g. 15, TERM, SIGTERM)
  exe-attack SECS [STOP] try to open other processes' /proc/PID/exe for writing";

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2);
}

fn emit(v: Value) {
    let mut out = std::io::stdout().lock();
    // Nothing sensible can be done if stdout is gone; the exit status
    // stays 0 so the caller sees the probe itself did not fail.
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

fn errno_json(r: &Result<(), i32>) -> Value {
    json!({"ok": r.is_ok(), "errno": r.err()})
}

fn stat(path: &OsStr) -> Value {
    // SAFETY: struct stat is plain old data; all-zero is a valid value.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let r = sys::cstring(path).and_then(|c| {
        // SAFETY: c is a valid C string and st a writable stat buffer.
        if unsafe { libc::lstat(c.as_ptr(), &mut st) } == 0 {
            Ok(())
        } else {
            Err(errno())
        }
    });
    let mut v = json!({
        "path": lossy(path), "exists": r.is_ok(), "kind": null, "mode": null,
        "uid": null, "gid": null, "major": null, "minor": null, "link": null,
        "errno": r.err(),
    });
    if r.is_ok() {
        let kind = match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => "file",
            libc::S_IFDIR => "dir",
            libc::S_IFLNK => "symlink",
            libc::S_IFCHR => "char",
            libc::S_IFBLK => "block",
            libc::S_IFIFO => "fifo",
            libc::S_IFSOCK => "socket",
            _ => "unknown",
        };
        v["kind"] = json!(kind);
        v["mode"] = json!(st.st_mode & 0o7777);
        v["uid"] = json!(st.st_uid);
        v["gid"] = json!(st.st_gid);
        v["major"] = json!(libc::major(st.st_rdev));
        v["minor"] = json!(libc::minor(st.st_rdev));
        if kind == "symlink" {
            v["link"] = json!(sys::readlink(path));
        }
    }
    v
}

fn read(path: &OsStr) -> Value {
    match std::fs::read(path) {
        Ok(b) => json!({"ok": true, "data": String::from_utf8_lossy(&b), "errno": null}),
        Err(e) => json!({"ok": false, "data": null, "errno": err_code(&e)}),
    }
}

fn write(path: &OsStr, data: &OsStr) -> Value {
    // OpenOptions with only write(true) is O_WRONLY without O_CREAT, so a
    // missing file is reported rather than created.
    let r = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut f| f.write_all(data.as_bytes()))
        .map_err(|e| err_code(&e));
    errno_json(&r)
}

fn open(path: &OsStr, mode: &str) -> Value {
    let flags = match mode {
        "r" => libc::O_RDONLY,
        "w" => libc::O_WRONLY,
        "rw" => libc::O_RDWR,
        "path" => libc::O_PATH,
        _ => usage(),
    };
    let r = open_raw(path, flags).map(sys::close);
    errno_json(&r)
}

fn sysctl(name: &str) -> Value {
    let path = format!("/proc/sys/{}", name.replace('.', "/"));
    match sys::read_lossy(&path) {
        Ok(s) => json!({"value": s.trim(), "errno": null}),
        Err(e) => json!({"value": null, "errno": err_code(&e)}),
    }
}

/// Signal number from "15", "TERM" or "SIGTERM".
fn parse_signal(s: &str) -> Option<libc::c_int> {
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    let name = s.strip_prefix("SIG").unwrap_or(s);
    let n = match name {
        "HUP" => libc::SIGHUP,
        "INT" => libc::SIGINT,
        "QUIT" => libc::SIGQUIT,
        "ILL" => libc::SIGILL,
        "TRAP" => libc::SIGTRAP,
        "ABRT" => libc::SIGABRT,
        "BUS" => libc::SIGBUS,
        "FPE" => libc::SIGFPE,
        "KILL" => libc::SIGKILL,
        "USR1" => libc::SIGUSR1,
        "SEGV" => libc::SIGSEGV,
        "USR2" => libc::SIGUSR2,
        "PIPE" => libc::SIGPIPE,
        "ALRM" => libc::SIGALRM,
        "TERM" => libc::SIGTERM,
        "CHLD" => libc::SIGCHLD,
        "CONT" => libc::SIGCONT,
        "STOP" => libc::SIGSTOP,
        "TSTP" => libc::SIGTSTP,
        "TTIN" => libc::SIGTTIN,
        "TTOU" => libc::SIGTTOU,
        "URG" => libc::SIGURG,
        "XCPU" => libc::SIGXCPU,
        "XFSZ" => libc::SIGXFSZ,
        "VTALRM" => libc::SIGVTALRM,
        "PROF" => libc::SIGPROF,
        "WINCH" => libc::SIGWINCH,
        "IO" => libc::SIGIO,
        "PWR" => libc::SIGPWR,
        "SYS" => libc::SIGSYS,
        _ => return None,
    };
    Some(n)
}

/// If the signal does not terminate us (ignored, blocked or non-fatal by
/// default), report that raise returned so the test can tell the difference.
fn kill_self(sig: libc::c_int) -> Value {
    // SAFETY: raise has no memory effects; an invalid signal yields EINVAL.
    let r = if unsafe { libc::raise(sig) } == 0 { Ok(()) } else { Err(errno()) };
    errno_json(&r)
}

fn parse_num<T: std::str::FromStr>(s: &OsStr) -> T {
    s.to_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| usage())
}

/// C entry point, called by glibc's startup code; see the module docs for
/// why std's `main` shim is bypassed.
#[cfg(not(test))]
#[no_mangle]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    run();
    0
}

fn run() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let a: Vec<&OsStr> = args.iter().map(|s| s.as_os_str()).collect();
    let cmd = a.first().and_then(|c| c.to_str()).unwrap_or("");
    let v = match (cmd, &a[..]) {
        // Extra arguments are allowed so tests can check argv passthrough.
        ("report", _) => report::run(),
        ("stat", [_, p]) => stat(p),
        ("read", [_, p]) => read(p),
        ("write", [_, p, d]) => write(p, d),
        ("open", [_, p, m]) => open(p, m.to_str().unwrap_or("")),
        ("sysctl", [_, n]) => sysctl(&lossy(n)),
        ("syscall", [_, nr, args @ ..]) if args.len() <= 6 => {
            let nr: libc::c_long = parse_num(nr);
            let mut a = [0u64; 6];
            for (slot, arg) in a.iter_mut().zip(args) {
                *slot = parse_num(arg);
            }
            // SAFETY: a test probe making the raw syscall it was asked for;
            // the integer arguments are passed as the kernel ABI expects.
            let ret = unsafe { libc::syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]) };
            let errno = if ret < 0 { std::io::Error::last_os_error().raw_os_error() } else { None };
            serde_json::json!({"ret": ret, "errno": errno})
        }
        ("rusage", [_, cmd, args @ ..]) => {
            let start = std::time::Instant::now();
            let status = std::process::Command::new(cmd)
                .args(args)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
            let wall = start.elapsed().as_secs_f64() * 1000.0;
            // SAFETY: getrusage fills a zeroed struct we own.
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: as above; RUSAGE_CHILDREN covers the child we just reaped.
            unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
            let cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) as f64 * 1000.0
                + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) as f64 / 1000.0;
            serde_json::json!({
                "status": status.ok().and_then(|s| s.code()),
                "wall_ms": wall, "cpu_ms": cpu, "maxrss_kib": ru.ru_maxrss,
            })
        }
        ("alloc", [_, s]) => {
            let mib: usize = parse_num(s);
            // Touch every page so the memory is really charged to our cgroup.
            let mut chunks: Vec<Vec<u8>> = Vec::with_capacity(mib);
            for _ in 0..mib {
                chunks.push(vec![1u8; 1 << 20]);
            }
            serde_json::json!({"allocated": chunks.len()})
        }
        ("sleep", [_, s]) => {
            let secs: f64 = parse_num(s);
            if !(secs.is_finite() && secs >= 0.0) {
                usage();
            }
            std::thread::sleep(std::time::Duration::from_secs_f64(secs));
            return;
        }
        ("exit", [_, n]) => std::process::exit(parse_num(n)),
        ("notify", [_, msg]) => notify(msg),
        ("kill-self", [_, s]) => {
            let sig = s.to_str().and_then(parse_signal).unwrap_or_else(|| usage());
            kill_self(sig)
        }
        ("exe-attack", [_, s, rest @ ..]) if rest.len() <= 1 => {
            let secs: f64 = parse_num(s);
            if !(secs.is_finite() && secs >= 0.0) {
                usage();
            }
            attack::run(secs, rest.first().and_then(|f| f.to_str()))
        }
        _ => usage(),
    };
    emit(v);
}

/// sd_notify: one datagram to the unix socket named by $NOTIFY_SOCKET.
fn notify(msg: &OsStr) -> Value {
    use std::os::unix::net::UnixDatagram;
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return json!({"ok": false, "error": "NOTIFY_SOCKET unset"});
    };
    let r = UnixDatagram::unbound().and_then(|s| s.send_to(msg.as_bytes(), &path));
    json!({"ok": r.is_ok(), "socket": lossy(&path), "error": r.err().map(|e| e.to_string())})
}
