//! Per-process attributes from `process`: rlimits, scheduler, I/O priority,
//! personality, no_new_privs, keyring, oom_score_adj.

use crate::error::{About, OsError, Result, SysError, SysResult};
use crate::sys;
use oci_spec::runtime::{
    IOPriorityClass, LinuxMemoryPolicy, LinuxSchedulerFlag, LinuxSchedulerPolicy, MemoryPolicyFlagType,
    MemoryPolicyModeType, Process,
};

/// What `process` asks of the process beyond its identity, compiled in the
/// parent into plain data; init and exec's child only apply it.
#[derive(Debug, Clone, Default)]
pub struct Attrs {
    /// (resource, soft, hard, the spec's name for messages).
    pub rlimits: Vec<(libc::c_int, u64, u64, String)>,
    pub scheduler: Option<sys::SchedAttr>,
    /// (class, priority) for ioprio_set.
    pub io_priority: Option<(u32, u32)>,
    pub oom_score_adj: Option<i32>,
    pub terminal: bool,
    /// (rows, columns).
    pub console_size: Option<(u16, u16)>,
}

pub fn compile(process: &Process) -> Result<Attrs> {
    let rlimits = rlimit_values(process)?
        .into_iter()
        .zip(process.rlimits().iter().flatten())
        .map(|((res, soft, hard), r)| (res, soft, hard, rlimit_name(r.typ())))
        .collect();
    Ok(Attrs {
        rlimits,
        scheduler: process.scheduler().as_ref().map(sched),
        io_priority: process.io_priority().as_ref().map(|p| {
            let class = match p.class() {
                IOPriorityClass::IoprioClassRt => 1,
                IOPriorityClass::IoprioClassBe => 2,
                IOPriorityClass::IoprioClassIdle => 3,
            };
            (class, p.priority() as u32)
        }),
        oom_score_adj: process.oom_score_adj(),
        terminal: process.terminal().unwrap_or(false),
        console_size: process.console_size().as_ref().map(|b| (b.height() as u16, b.width() as u16)),
    })
}

fn sched(s: &oci_spec::runtime::Scheduler) -> sys::SchedAttr {
    use LinuxSchedulerPolicy as P;
    let policy = match s.policy() {
        P::SchedOther => 0,
        P::SchedFifo => 1,
        P::SchedRr => 2,
        P::SchedBatch => 3,
        P::SchedIso => 4,
        P::SchedIdle => 5,
        P::SchedDeadline => 6,
    };
    let mut flags = 0u64;
    for f in s.flags().iter().flatten() {
        use LinuxSchedulerFlag as F;
        flags |= match f {
            F::SchedResetOnFork => 0x01,
            F::SchedFlagReclaim => 0x02,
            F::SchedFlagDLOverrun => 0x04,
            F::SchedFlagKeepPolicy => 0x08,
            F::SchedFlagKeepParams => 0x10,
            F::SchedFlagUtilClampMin => 0x20,
            F::SchedFlagUtilClampMax => 0x40,
        };
    }
    sys::SchedAttr {
        size: 0,
        policy,
        flags,
        nice: s.nice().unwrap_or(0),
        priority: s.priority().unwrap_or(0) as u32,
        runtime: s.runtime().unwrap_or(0),
        deadline: s.deadline().unwrap_or(0),
        period: s.period().unwrap_or(0),
    }
}

pub fn rlimits(a: &Attrs) -> Result<()> {
    for (i, (res, soft, hard, name)) in a.rlimits.iter().enumerate() {
        sys::setrlimit(*res, *soft, *hard)
            .map_err(|e| SysError::new(format!("setrlimit {name} soft {soft} hard {hard}"), None, e))
            .with_field(|| format!("process.rlimits[{i}]"))?;
    }
    Ok(())
}

pub fn scheduler(a: &Attrs) -> Result<()> {
    let Some(mut attr) = a.scheduler else { return Ok(()) };
    sys::sched_setattr(&mut attr).sys("sched_setattr").field("process.scheduler")
}

pub fn io_priority(a: &Attrs) -> Result<()> {
    let Some((class, prio)) = a.io_priority else { return Ok(()) };
    sys::ioprio_set(class, prio).sys("ioprio_set").field("process.ioPriority")
}

pub fn personality(domain: libc::c_ulong) -> Result<()> {
    // SAFETY: personality(2) takes a plain integer.
    if unsafe { libc::personality(domain) } == -1 {
        return Err(crate::Error::field("linux.personality", SysError::new("personality", None, OsError::last())));
    }
    Ok(())
}

pub fn no_new_privs() -> Result<()> {
    // SAFETY: prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        let failed = SysError::new("prctl(PR_SET_NO_NEW_PRIVS)", None, OsError::last());
        return Err(crate::Error::field("process.noNewPrivileges", failed));
    }
    Ok(())
}

/// Through a proc handle of our own (sys/procfs.rs), never by path.
pub fn oom_score_adj(pid: i32, adj: i32) -> Result<()> {
    crate::sys::procfs::ProcFs::open()
        .and_then(|proc| proc.write_pid(pid, "oom_score_adj", adj.to_string().as_bytes()))
        .field("process.oomScoreAdj")
}

/// "0-3,7" -> [0, 1, 2, 3, 7]: the list format of cpusets and NUMA nodes.
pub fn parse_list(s: &str) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (lo, hi) = part.split_once('-').unwrap_or((part, part));
        let number = |n: &str| n.trim().parse::<usize>().map_err(|e| crate::Error::from(e.to_string()));
        let (lo, hi) = (number(lo)?, number(hi)?);
        if lo > hi || hi >= 8192 {
            return Err(format!("{part:?} is not a range").into());
        }
        out.extend(lo..=hi);
    }
    if out.is_empty() {
        return Err("empty list".into());
    }
    Ok(out)
}

/// A CPU list field (process.execCPUAffinity.*) as CPU numbers, in the parent.
pub fn cpu_list(list: Option<&String>, field: &str) -> Result<Option<Vec<usize>>> {
    list.map(|l| parse_list(l).map_err(|e| crate::Error::field(field, format!("{l:?}: {e}")))).transpose()
}

/// process.execCPUAffinity: `initial` at init's start, `final` just before exec.
pub fn cpu_affinity(cpus: &[usize], field: &str) -> Result<()> {
    let mut set = nix::sched::CpuSet::new();
    for c in cpus {
        set.set(*c).map_err(|_| {
            crate::Error::field(field, format!("cpu {c} is beyond the {} a CPU set holds", nix::sched::CpuSet::count()))
        })?;
    }
    nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set)
        .map_err(|e| SysError::new(format!("sched_setaffinity {cpus:?}"), None, e))
        .field(field)
}

/// linux.memoryPolicy through set_mempolicy(2); it survives execve.
/// linux.memoryPolicy as set_mempolicy(2) takes it: the mode with its
/// flags, and the node mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryPolicy {
    mode: libc::c_int,
    mask: [u64; 16],
}

/// The node mask holds this many nodes.
const MAX_NODE: usize = 16 * 64;

impl MemoryPolicy {
    pub fn compile(policy: Option<&LinuxMemoryPolicy>) -> Result<Option<MemoryPolicy>> {
        let Some(p) = policy else { return Ok(None) };
        use MemoryPolicyModeType as M;
        let mut mode: libc::c_int = match p.mode() {
            M::MpolDefault => 0,
            M::MpolPreferred => 1,
            M::MpolBind => 2,
            M::MpolInterleave => 3,
            M::MpolLocal => 4,
            M::MpolPreferredMany => 5,
            M::MpolWeightedInterleave => 6,
        };
        for f in p.flags().iter().flatten() {
            mode |= match f {
                MemoryPolicyFlagType::MpolFNumaBalancing => 1 << 13,
                MemoryPolicyFlagType::MpolFRelativeNodes => 1 << 14,
                MemoryPolicyFlagType::MpolFStaticNodes => 1 << 15,
            };
        }
        let mut mask = [0u64; 16];
        if let Some(nodes) = p.nodes().as_ref().filter(|n| !n.is_empty()) {
            let field = "linux.memoryPolicy.nodes";
            for n in parse_list(nodes).map_err(|e| crate::Error::field(field, format!("{nodes:?}: {e}")))? {
                if n >= MAX_NODE {
                    return Err(crate::Error::field(field, format!("node {n} is out of range")));
                }
                mask[n / 64] |= 1 << (n % 64);
            }
        }
        Ok(Some(MemoryPolicy { mode, mask }))
    }

    pub fn apply(&self) -> Result<()> {
        // SAFETY: a valid mask of MAX_NODE bits for the duration of the call.
        let r = unsafe {
            libc::syscall(libc::SYS_set_mempolicy, self.mode, self.mask.as_ptr(), MAX_NODE as libc::c_ulong + 1)
        };
        if r != 0 {
            return Err(crate::Error::field(
                "linux.memoryPolicy",
                SysError::new("set_mempolicy", None, OsError::last()),
            ));
        }
        Ok(())
    }
}

fn rlimit_resource(t: oci_spec::runtime::PosixRlimitType) -> libc::c_int {
    use oci_spec::runtime::PosixRlimitType as R;
    (match t {
        R::RlimitCpu => libc::RLIMIT_CPU,
        R::RlimitFsize => libc::RLIMIT_FSIZE,
        R::RlimitData => libc::RLIMIT_DATA,
        R::RlimitStack => libc::RLIMIT_STACK,
        R::RlimitCore => libc::RLIMIT_CORE,
        R::RlimitRss => libc::RLIMIT_RSS,
        R::RlimitNproc => libc::RLIMIT_NPROC,
        R::RlimitNofile => libc::RLIMIT_NOFILE,
        R::RlimitMemlock => libc::RLIMIT_MEMLOCK,
        R::RlimitAs => libc::RLIMIT_AS,
        R::RlimitLocks => libc::RLIMIT_LOCKS,
        R::RlimitSigpending => libc::RLIMIT_SIGPENDING,
        R::RlimitMsgqueue => libc::RLIMIT_MSGQUEUE,
        R::RlimitNice => libc::RLIMIT_NICE,
        R::RlimitRtprio => libc::RLIMIT_RTPRIO,
        R::RlimitRttime => libc::RLIMIT_RTTIME,
    }) as libc::c_int
}

fn rlimit_values(p: &Process) -> Result<Vec<(libc::c_int, u64, u64)>> {
    Ok(p.rlimits()
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|r| (rlimit_resource(r.typ()), r.soft(), r.hard()))
        .collect())
}

/// An rlimit type as the runtime-spec spells it (`RLIMIT_NOFILE`).
pub fn rlimit_name(t: oci_spec::runtime::PosixRlimitType) -> String {
    serde_json::to_value(t).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_else(|| format!("{t:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_node_lists() {
        assert_eq!(parse_list("0-3,7").unwrap(), vec![0, 1, 2, 3, 7]);
        assert_eq!(parse_list("1").unwrap(), vec![1]);
        assert!(parse_list("3-1").is_err());
        assert!(parse_list("x").is_err());
        assert!(parse_list("").is_err());
        let e = cpu_list(Some(&"0-x".to_string()), "process.execCPUAffinity.initial").unwrap_err();
        assert_eq!(e.to_string(), "process.execCPUAffinity.initial: \"0-x\": invalid digit found in string");
        assert_eq!(e.config_field(), Some("process.execCPUAffinity.initial"));
    }
}
