//! berth-cri-client: drives containerd's CRI as the kubelet does, for one
//! runtime handler (a name under containerd's `...cri.containerd.runtimes`),
//! and checks each step. `integration/cri-test.sh` runs it against a private
//! containerd, for the handler `berth`, then `runc` as the control.
//!
//! ```text
//! berth-cri-client --socket SOCK --handler NAME --pause-image REF --image REF
//!     --log-dir DIR --cgroup-parent /PATH
//!     [--runtime-binary BIN --runtime-root DIR] [--netns-dir DIR]
//!     [--bench N]
//! ```
//!
//! - `--image` is a busybox image already in containerd's `k8s.io`
//!   namespace; `--pause-image` the sandbox image containerd is configured
//!   with (only checked to be there).
//! - `--log-dir`: the pod's `log_directory` is `DIR/cri-NAME`.
//! - `--cgroup-parent`: the pod's cgroup. It is made in every hierarchy
//!   before the pod, as the kubelet does, and removed after; what the
//!   runtime makes under it must be gone by then.
//! - `--runtime-binary`, `--runtime-root`: the handler's `BinaryName` and the
//!   `--root` the shim gives it (its `Root` option joined with `k8s.io`).
//!   The binary's `state` must see the running container, and the root must
//!   be empty at the end.
//! - `--netns-dir`: where containerd pins pod network namespaces; empty at
//!   the end.
//!
//! The scenario prints `ok N - ...` or `not ok N - ...` per step (details
//! of a failure follow as `#   ` lines), then `N passed, N failed, N
//! skipped`; the exit status is 0 only when nothing failed, 2 for a bad
//! command line.
//!
//! With `--bench N` it instead starts N pods one after the other, each
//! RunPodSandbox, CreateContainer and StartContainer of a `sleep`
//! container, timed together, then StopContainer (SIGKILL), RemoveContainer,
//! StopPodSandbox and RemovePodSandbox, timed apart. It prints one JSON
//! object on one line of stdout, times in milliseconds (to the µs), keys in
//! this order:
//!
//! ```text
//! {"durations_ms":[97.4,...],"handler":"berth","median_ms":97.389,"runs":N,
//!  "teardown_median_ms":94.9,"teardown_ms":[94.937,...]}
//! ```
//!
//! `durations_ms` are the N start times in the order they ran.
//!
//! and exits 0, or prints the failing call on stderr and exits 1.

mod bench;
mod cri;
mod host;
mod report;
mod scenario;
mod stream;

use std::path::PathBuf;
use std::process::ExitCode;

pub struct Opts {
    pub socket: PathBuf,
    pub handler: String,
    pub pause_image: String,
    pub image: String,
    pub log_dir: PathBuf,
    pub cgroup_parent: String,
    pub runtime_binary: Option<PathBuf>,
    pub runtime_root: Option<PathBuf>,
    pub netns_dir: Option<PathBuf>,
    pub bench: Option<u32>,
}

const USAGE: &str = "usage: berth-cri-client --socket SOCK --handler NAME --pause-image REF \
--image REF --log-dir DIR --cgroup-parent /PATH [--runtime-binary BIN --runtime-root DIR] \
[--netns-dir DIR] [--bench N]";

fn parse(args: impl Iterator<Item = String>) -> Result<Opts, String> {
    let mut socket = None;
    let mut handler = None;
    let mut pause_image = None;
    let mut image = None;
    let mut log_dir = None;
    let mut cgroup_parent = None;
    let mut runtime_binary = None;
    let mut runtime_root = None;
    let mut netns_dir = None;
    let mut bench = None;
    let mut args = args;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--socket" => socket = Some(PathBuf::from(value()?)),
            "--handler" => handler = Some(value()?),
            "--pause-image" => pause_image = Some(value()?),
            "--image" => image = Some(value()?),
            "--log-dir" => log_dir = Some(PathBuf::from(value()?)),
            "--cgroup-parent" => {
                let v = value()?;
                if !v.starts_with('/') || v.split('/').any(|c| c == "..") {
                    return Err(format!("--cgroup-parent {v:?}: an absolute path without .."));
                }
                cgroup_parent = Some(v);
            }
            "--runtime-binary" => runtime_binary = Some(PathBuf::from(value()?)),
            "--runtime-root" => runtime_root = Some(PathBuf::from(value()?)),
            "--netns-dir" => netns_dir = Some(PathBuf::from(value()?)),
            "--bench" => {
                let v = value()?;
                let n = v
                    .parse::<u32>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--bench {v:?}: a count of at least 1"))?;
                bench = Some(n);
            }
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    let need = |v: Option<String>, flag: &str| v.ok_or_else(|| format!("{flag} is required"));
    Ok(Opts {
        socket: socket.ok_or("--socket is required")?,
        handler: need(handler, "--handler")?,
        pause_image: need(pause_image, "--pause-image")?,
        image: need(image, "--image")?,
        log_dir: log_dir.ok_or("--log-dir is required")?,
        cgroup_parent: need(cgroup_parent, "--cgroup-parent")?,
        runtime_binary,
        runtime_root,
        netns_dir,
        bench,
    })
}

fn main() -> ExitCode {
    let opts = match parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("berth-cri-client: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // One thread is enough: the calls are made one after the other, as a
    // kubelet's pod worker makes them.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("berth-cri-client: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let passed = runtime.block_on(async {
        match opts.bench {
            Some(n) => bench::run(&opts, n).await,
            None => scenario::run(&opts).await,
        }
    });
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
