//! `features`: what this build supports, in the runtime-spec features format.
//! Every list here is what the code really handles.

use crate::error::Result;
use crate::spec::{OCI_VERSION_MAX, OCI_VERSION_MIN};

pub fn run() -> Result<i32> {
    let caps: Vec<String> =
        caps::all().iter().map(|c| c.to_string()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let doc = serde_json::json!({
        "ociVersionMin": OCI_VERSION_MIN,
        "ociVersionMax": OCI_VERSION_MAX,
        "hooks": ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
        "mountOptions": crate::rootfs::options::known_options(),
        "linux": {
            "namespaces": ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"],
            "capabilities": caps,
            "cgroup": {"v1": true, "v2": true, "systemd": false, "systemdUser": false, "rdma": false},
            "seccomp": crate::security::seccomp::features(),
            "apparmor": {"enabled": false},
            "selinux": {"enabled": false},
            "intelRdt": {"enabled": false},
            "mountExtensions": {"idmap": {"enabled": true}},
        },
        "annotations": {
            "io.github.berth.version": env!("CARGO_PKG_VERSION"),
            // runc's key: checkpoint and restore through CRIU exist (whether
            // CRIU works on this host is `criu check`'s to say).
            "org.opencontainers.runc.checkpoint.enabled": "true",
            "io.github.berth.verbs": crate::cli::verbs().join(","),
        },
    });
    // A JSON value always has its text: `{:#}` is serde_json's pretty form.
    println!("{doc:#}");
    Ok(0)
}
