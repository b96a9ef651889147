//! The one table of namespace kinds: the runtime-spec's name, the name in
//! /proc/PID/ns, and the clone flag. Everything that maps one to another
//! reads it here.

use oci_spec::runtime::LinuxNamespaceType;

pub struct NsKind {
    pub typ: LinuxNamespaceType,
    /// As config.json spells it.
    pub spec_name: &'static str,
    /// As /proc/PID/ns names it.
    pub proc_name: &'static str,
    pub clone_flag: i32,
}

pub const ALL: [NsKind; 8] = [
    NsKind { typ: LinuxNamespaceType::User, spec_name: "user", proc_name: "user", clone_flag: libc::CLONE_NEWUSER },
    NsKind { typ: LinuxNamespaceType::Mount, spec_name: "mount", proc_name: "mnt", clone_flag: libc::CLONE_NEWNS },
    NsKind { typ: LinuxNamespaceType::Network, spec_name: "network", proc_name: "net", clone_flag: libc::CLONE_NEWNET },
    NsKind { typ: LinuxNamespaceType::Ipc, spec_name: "ipc", proc_name: "ipc", clone_flag: libc::CLONE_NEWIPC },
    NsKind { typ: LinuxNamespaceType::Uts, spec_name: "uts", proc_name: "uts", clone_flag: libc::CLONE_NEWUTS },
    NsKind {
        typ: LinuxNamespaceType::Cgroup,
        spec_name: "cgroup",
        proc_name: "cgroup",
        clone_flag: libc::CLONE_NEWCGROUP,
    },
    NsKind { typ: LinuxNamespaceType::Time, spec_name: "time", proc_name: "time", clone_flag: libc::CLONE_NEWTIME },
    NsKind { typ: LinuxNamespaceType::Pid, spec_name: "pid", proc_name: "pid", clone_flag: libc::CLONE_NEWPID },
];

pub fn of(t: LinuxNamespaceType) -> &'static NsKind {
    // The table lists every variant (the test below checks it).
    ALL.iter().find(|k| k.typ == t).unwrap_or(&ALL[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_once_and_names_match_serde() {
        for k in &ALL {
            assert_eq!(serde_json::to_value(k.typ).unwrap(), k.spec_name);
            assert_eq!(ALL.iter().filter(|o| o.typ == k.typ).count(), 1);
            assert_eq!(of(k.typ).proc_name, k.proc_name);
        }
    }
}
