//! config.json's top level and its `process` as the runtime-spec spells
//! them, read into oci-spec's types.
//!
//! oci-spec's own Deserialize for Process checks `execCPUAffinity` with a
//! regular expression, and that one call links a whole regex engine: about
//! 500 KB, a sixth of the binary. These two types are therefore read here,
//! with the CPU lists checked by `cpu_list`; every type below them keeps
//! oci-spec's Deserialize. The `solaris`, `windows`, `vm` and `zos` sections
//! are not read: nothing on Linux uses them.

use oci_spec::runtime::{
    Box as ConsoleSize, Capabilities, Capability, ExecCPUAffinity, Hooks, Linux, LinuxCapabilities, LinuxIOPriority,
    Mount, PosixRlimit, Process, Root, Scheduler, Spec, User,
};
use serde::{de, Deserialize, Deserializer};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecWire {
    #[serde(default, rename = "ociVersion")]
    version: String,
    #[serde(default)]
    root: Option<Root>,
    #[serde(default)]
    mounts: Option<Vec<Mount>>,
    #[serde(default)]
    process: Option<ProcessWire>,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    domainname: Option<String>,
    #[serde(default)]
    hooks: Option<Hooks>,
    #[serde(default)]
    annotations: Option<HashMap<String, String>>,
    #[serde(default)]
    linux: Option<Linux>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessWire {
    #[serde(default)]
    terminal: Option<bool>,
    #[serde(default)]
    console_size: Option<ConsoleSize>,
    /// Absent means uid 0, gid 0, as runc reads it.
    #[serde(default)]
    user: User,
    #[serde(default)]
    args: Option<Vec<String>>,
    #[serde(default)]
    command_line: Option<String>,
    #[serde(default)]
    env: Option<Vec<String>>,
    /// Absent is empty: validation names it for config.json; exec's
    /// --process takes "/", as runc's exec does.
    #[serde(default)]
    cwd: PathBuf,
    #[serde(default)]
    capabilities: Option<CapsWire>,
    #[serde(default)]
    rlimits: Option<Vec<PosixRlimit>>,
    #[serde(default)]
    no_new_privileges: Option<bool>,
    #[serde(default)]
    apparmor_profile: Option<String>,
    #[serde(default)]
    oom_score_adj: Option<i32>,
    #[serde(default)]
    selinux_label: Option<String>,
    #[serde(default)]
    io_priority: Option<LinuxIOPriority>,
    #[serde(default)]
    scheduler: Option<Scheduler>,
    #[serde(default, rename = "execCPUAffinity")]
    exec_cpu_affinity: Option<AffinityWire>,
}

/// Capability names as strings: a name this build does not know (a newer
/// kernel's, a typo) is a warning, not an error, as the runtime-spec asks,
/// so configs written for newer kernels still run.
#[derive(Deserialize)]
pub struct CapsWire {
    #[serde(default)]
    bounding: Option<Vec<String>>,
    #[serde(default)]
    effective: Option<Vec<String>>,
    #[serde(default)]
    inheritable: Option<Vec<String>>,
    #[serde(default)]
    permitted: Option<Vec<String>>,
    #[serde(default)]
    ambient: Option<Vec<String>>,
}

#[derive(Deserialize)]
pub struct AffinityWire {
    #[serde(default, deserialize_with = "cpu_list")]
    initial: Option<String>,
    #[serde(default, rename = "final", deserialize_with = "cpu_list")]
    last: Option<String>,
}

impl SpecWire {
    /// The config, and a warning for each value it ignores.
    pub fn into_spec(self, warnings: &mut Vec<String>) -> Spec {
        let w = self;
        let mut s = Spec::default();
        s.set_version(w.version);
        s.set_root(w.root);
        s.set_mounts(w.mounts);
        s.set_process(w.process.map(|p| p.into_process("process.", warnings)));
        s.set_hostname(w.hostname);
        s.set_domainname(w.domainname);
        s.set_hooks(w.hooks);
        s.set_annotations(w.annotations);
        s.set_linux(w.linux);
        s
    }
}

impl ProcessWire {
    /// The process, and a warning for each value it ignores; `prefix` is the
    /// JSON path warnings name the process by.
    pub fn into_process(self, prefix: &str, warnings: &mut Vec<String>) -> Process {
        let w = self;
        let mut p = Process::default();
        p.set_terminal(w.terminal);
        p.set_console_size(w.console_size);
        p.set_user(w.user);
        p.set_args(w.args);
        p.set_command_line(w.command_line);
        p.set_env(w.env);
        p.set_cwd(w.cwd);
        p.set_capabilities(w.capabilities.map(|c| c.into_caps(&format!("{prefix}capabilities"), warnings)));
        p.set_rlimits(w.rlimits);
        p.set_no_new_privileges(w.no_new_privileges);
        p.set_apparmor_profile(w.apparmor_profile);
        p.set_oom_score_adj(w.oom_score_adj);
        p.set_selinux_label(w.selinux_label);
        p.set_io_priority(w.io_priority);
        p.set_scheduler(w.scheduler);
        p.set_exec_cpu_affinity(w.exec_cpu_affinity.map(|a| {
            let mut e = ExecCPUAffinity::default();
            e.set_initial(a.initial);
            e.set_cpu_affinity_final(a.last);
            e
        }));
        p
    }
}

impl CapsWire {
    fn into_caps(self, prefix: &str, warnings: &mut Vec<String>) -> LinuxCapabilities {
        let mut known = |set: &str, names: Option<Vec<String>>| {
            names.map(|names| known_caps(&format!("{prefix}.{set}"), names, warnings))
        };
        // Every set is written: oci-spec's Default fills in its own.
        let mut c = LinuxCapabilities::default();
        c.set_bounding(known("bounding", self.bounding));
        c.set_effective(known("effective", self.effective));
        c.set_inheritable(known("inheritable", self.inheritable));
        c.set_permitted(known("permitted", self.permitted));
        c.set_ambient(known("ambient", self.ambient));
        c
    }
}

fn known_caps(field: &str, names: Vec<String>, warnings: &mut Vec<String>) -> Capabilities {
    let mut set = Capabilities::new();
    for (i, name) in names.into_iter().enumerate() {
        match serde_json::from_value::<Capability>(serde_json::Value::String(name.clone())) {
            Ok(cap) => {
                set.insert(cap);
            }
            Err(_) => warnings.push(format!("{field}[{i}]: {name:?} is not a capability berth knows; ignored")),
        }
    }
    set
}

/// A CPU list as the spec defines it: "0-3,7", no spaces, no empty parts.
fn cpu_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<String>::deserialize(d)?;
    match &value {
        Some(s) if !is_cpu_list(s) => Err(de::Error::custom(format!("{s:?} is not a CPU list such as \"0-3,7\""))),
        _ => Ok(value),
    }
}

fn is_cpu_list(s: &str) -> bool {
    let number = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    s.split(',').all(|part| match part.split_once('-') {
        Some((lo, hi)) => number(lo) && number(hi),
        None => number(part),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        for good in ["0", "0-3", "0-3,7", "1,2,3", "10-20,30"] {
            assert!(is_cpu_list(good), "{good}");
        }
        for bad in ["", "a", "0-", "-3", "0,,1", "0-3,", " 1", "1-2-3", "0x1"] {
            assert!(!is_cpu_list(bad), "{bad}");
        }
    }

    #[test]
    fn reads_the_same_spec_as_oci_spec() {
        let text = r#"{"ociVersion":"1.2.0","root":{"path":"rootfs","readonly":true},
            "hostname":"h","domainname":"d","annotations":{"a":"b"},
            "mounts":[{"destination":"/proc","type":"proc","source":"proc"}],
            "hooks":{"prestart":[{"path":"/bin/true"}]},
            "linux":{"namespaces":[{"type":"pid"}],"cgroupsPath":"/x"},
            "process":{"terminal":true,"consoleSize":{"height":3,"width":4},"user":{"uid":1,"gid":2},
              "args":["sh"],"env":["A=1"],"cwd":"/tmp","noNewPrivileges":true,"oomScoreAdj":5,
              "apparmorProfile":"p","selinuxLabel":"l","capabilities":{"bounding":["CAP_KILL"]},
              "rlimits":[{"type":"RLIMIT_NOFILE","hard":5,"soft":4}],
              "ioPriority":{"class":"IOPRIO_CLASS_BE","priority":3},
              "scheduler":{"policy":"SCHED_OTHER","nice":1},
              "execCPUAffinity":{"initial":"0","final":"0-1"}}}"#;
        let mut warnings = Vec::new();
        let ours = serde_json::from_str::<SpecWire>(text).unwrap().into_spec(&mut warnings);
        let theirs: Spec = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn unknown_capabilities_are_warnings_naming_their_place() {
        let text = r#"{"ociVersion":"1.2.0","process":{"user":{"uid":0,"gid":0},"cwd":"/",
            "capabilities":{"bounding":["CAP_NOPE","CAP_KILL"],"effective":["CAP_KILL","CAP_FUTURE"]}}}"#;
        let mut warnings = Vec::new();
        let spec = serde_json::from_str::<SpecWire>(text).unwrap().into_spec(&mut warnings);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with("process.capabilities.bounding[0]: \"CAP_NOPE\""), "{warnings:?}");
        assert!(warnings[1].starts_with("process.capabilities.effective[1]: \"CAP_FUTURE\""), "{warnings:?}");
        let caps = spec.process().as_ref().unwrap().capabilities().clone().unwrap();
        assert_eq!(caps.bounding().as_ref().unwrap().len(), 1);
        assert!(caps.inheritable().is_none() && caps.ambient().is_none());
    }

    #[test]
    fn an_absent_process_stays_absent() {
        let ours = serde_json::from_str::<SpecWire>(r#"{"ociVersion":"1.2.0"}"#).unwrap().into_spec(&mut Vec::new());
        assert!(ours.process().is_none() && ours.linux().is_none() && ours.mounts().is_none());
    }
}
