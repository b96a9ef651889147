//! The config `berth spec` writes: the container a runc user expects from
//! current `runc spec` (a shell on a read-only rootfs, three harmless
//! capabilities, the usual /dev, /proc and /sys, the kernel's sensitive files
//! hidden), with berth's name and spec version. Written as data so it reads
//! as the file.

use serde_json::{json, Value};

const PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Capabilities no container needs to be careful with. Neither inheritable
/// nor ambient (CVE-2022-29162: they would let a program in the image gain
/// capabilities through its file capabilities or keep them across exec).
const CAPS: [&str; 3] = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

/// runc's default container, for root on the host. A cgroup namespace only
/// on a pure cgroup v2 host: on v1 it would hide the container's own
/// cgroups from the read-only cgroup mount's paths.
pub fn privileged(cgroup2_only: bool) -> Value {
    let mut spec = common();
    spec["mounts"] = json!(mounts(false));
    spec["linux"]["resources"] = json!({"devices": [{"allow": false, "access": "rwm"}]});
    spec["linux"]["namespaces"] = namespaces(&namespace_types(&["network"], cgroup2_only));
    spec
}

/// The same container for a user without root, as runc's `spec --rootless`
/// makes it: a user namespace mapping only the caller, the host's network
/// (an unprivileged user cannot wire a new one), /sys bound from the host
/// (a new sysfs needs a network namespace of one's own), no uid=/gid= mount
/// options (those ids are unmapped) and no resources (no cgroup to set them
/// in).
pub fn rootless(uid: u32, gid: u32, cgroup2_only: bool) -> Value {
    let mut spec = common();
    spec["mounts"] = json!(mounts(true));
    let mut types = namespace_types(&[], cgroup2_only);
    types.push("user");
    spec["linux"]["namespaces"] = namespaces(&types);
    spec["linux"]["uidMappings"] = json!([{"containerID": 0, "hostID": uid, "size": 1}]);
    spec["linux"]["gidMappings"] = json!([{"containerID": 0, "hostID": gid, "size": 1}]);
    spec
}

fn common() -> Value {
    json!({
        "ociVersion": super::OCI_VERSION_MAX,
        "process": {
            "terminal": true,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": [PATH, "TERM=xterm"],
            "cwd": "/",
            "capabilities": {"bounding": CAPS, "effective": CAPS, "permitted": CAPS},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": true
        },
        "root": {"path": "rootfs", "readonly": true},
        "hostname": "berth",
        "linux": {
            "maskedPaths": [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                "/sys/devices/virtual/tpm"
            ],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        }
    })
}

fn mounts(rootless: bool) -> Vec<Value> {
    // The devpts group (tty, 5) is unmapped in a rootless user namespace.
    let pts_gid: &[&str] = if rootless { &[] } else { &["gid=5"] };
    let sys = if rootless {
        mount("/sys", "none", "/sys", &["rbind", "nosuid", "noexec", "nodev", "ro"])
    } else {
        mount("/sys", "sysfs", "sysfs", &["nosuid", "noexec", "nodev", "ro"])
    };
    vec![
        mount("/proc", "proc", "proc", &[]),
        mount("/dev", "tmpfs", "tmpfs", &["nosuid", "strictatime", "mode=755", "size=65536k"]),
        mount(
            "/dev/pts",
            "devpts",
            "devpts",
            &[&["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"], pts_gid].concat(),
        ),
        mount("/dev/shm", "tmpfs", "shm", &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        mount("/dev/mqueue", "mqueue", "mqueue", &["nosuid", "noexec", "nodev"]),
        sys,
        mount("/sys/fs/cgroup", "cgroup", "cgroup", &["nosuid", "noexec", "nodev", "relatime", "ro"]),
    ]
}

/// pid, (network,) ipc, uts, mount, then cgroup where it helps.
fn namespace_types<'a>(extra: &[&'a str], cgroup2_only: bool) -> Vec<&'a str> {
    let mut types = vec!["pid"];
    types.extend_from_slice(extra);
    types.extend(["ipc", "uts", "mount"]);
    if cgroup2_only {
        types.push("cgroup");
    }
    types
}

fn namespaces(types: &[&str]) -> Value {
    types.iter().map(|t| json!({"type": t})).collect()
}

fn mount(destination: &str, kind: &str, source: &str, options: &[&str]) -> Value {
    let mut m = json!({"destination": destination, "type": kind, "source": source});
    if !options.is_empty() {
        m["options"] = json!(options);
    }
    m
}

#[cfg(test)]
mod tests;
