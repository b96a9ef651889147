//! Per-process attributes from `process`: rlimits, scheduler, I/O priority,
//! personality, no_new_privs, keyring, oom_score_adj.

use crate::sys;
use anyhow::{anyhow, Result};
use oci_spec::runtime::{IOPriorityClass, LinuxSchedulerFlag, LinuxSchedulerPolicy, Process};

pub fn rlimits(limits: &[(libc::c_int, u64, u64)], process: &Process) -> Result<()> {
    let types = process.rlimits().clone().unwrap_or_default();
    for (i, (res, soft, hard)) in limits.iter().enumerate() {
        sys::setrlimit(*res, *soft, *hard).map_err(|e| {
            let name = types.get(i).map(|t| format!("{:?}", t.typ())).unwrap_or_default();
            anyhow!("process.rlimits[{i}] ({name} soft {soft} hard {hard}): setrlimit: {e}")
        })?;
    }
    Ok(())
}

pub fn scheduler(process: &Process) -> Result<()> {
    let Some(s) = process.scheduler() else { return Ok(()) };
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
    let mut attr = sys::SchedAttr {
        size: 0,
        policy,
        flags,
        nice: s.nice().unwrap_or(0),
        priority: s.priority().unwrap_or(0) as u32,
        runtime: s.runtime().unwrap_or(0),
        deadline: s.deadline().unwrap_or(0),
        period: s.period().unwrap_or(0),
    };
    sys::sched_setattr(&mut attr).map_err(|e| anyhow!("process.scheduler: sched_setattr: {e}"))
}

pub fn io_priority(process: &Process) -> Result<()> {
    let Some(p) = process.io_priority() else { return Ok(()) };
    let class = match p.class() {
        IOPriorityClass::IoprioClassRt => 1,
        IOPriorityClass::IoprioClassBe => 2,
        IOPriorityClass::IoprioClassIdle => 3,
    };
    sys::ioprio_set(class, p.priority() as u32).map_err(|e| anyhow!("process.ioPriority: ioprio_set: {e}"))
}

pub fn personality(domain: Option<libc::c_ulong>) -> Result<()> {
    if let Some(d) = domain {
        // SAFETY: personality(2) takes a plain integer.
        if unsafe { libc::personality(d) } == -1 {
            return Err(anyhow!("linux.personality: {}", std::io::Error::last_os_error()));
        }
    }
    Ok(())
}

pub fn no_new_privs() -> Result<()> {
    // SAFETY: prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(anyhow!("process.noNewPrivileges: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

pub fn oom_score_adj(pid: i32, adj: i32) -> Result<()> {
    std::fs::write(format!("/proc/{pid}/oom_score_adj"), adj.to_string())
        .map_err(|e| anyhow!("process.oomScoreAdj: {adj}: {e}"))
}
