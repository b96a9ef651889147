//! The order of the handoff, recorded through a fake `Kernel`: no root, no
//! kernel, every combination that changes the order.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Chdir,
    Getcwd,
    DropBounding,
    SwitchUser,
    FindProgram,
    Personality,
    RaiseAmbient,
    CloseOnExec,
    /// Not a call: where init waits for `start` (and runs its hooks).
    Barrier,
    NoNewPrivs,
    Affinity,
    Umask,
    ResetSignals,
    LoadSeccomp,
    SetCaps,
    Execve,
}
use Call::*;

#[derive(Default)]
struct Recorder {
    calls: Vec<Call>,
    /// The first chdir fails with this (root squashed on NFS, say).
    first_chdir: Option<nix::errno::Errno>,
}

impl Kernel for Recorder {
    fn chdir(&mut self, _: &Path) -> nix::Result<()> {
        let first = !self.calls.contains(&Chdir);
        self.calls.push(Chdir);
        match self.first_chdir {
            Some(e) if first => Err(e),
            _ => Ok(()),
        }
    }
    fn cwd_is_inside_root(&mut self) -> Result<bool> {
        self.calls.push(Getcwd);
        Ok(true)
    }
    fn drop_bounding(&mut self, _: u64) -> Result<()> {
        self.calls.push(DropBounding);
        Ok(())
    }
    fn switch_user(&mut self, _: &UserIds) -> Result<()> {
        self.calls.push(SwitchUser);
        Ok(())
    }
    fn find_program(&mut self, h: &Handoff) -> Result<CString> {
        self.calls.push(FindProgram);
        Ok(h.args[0].clone())
    }
    fn set_personality(&mut self, _: libc::c_ulong) -> Result<()> {
        self.calls.push(Personality);
        Ok(())
    }
    fn raise_ambient(&mut self, _: u64, _: u64) -> Result<()> {
        self.calls.push(RaiseAmbient);
        Ok(())
    }
    fn mark_fds_cloexec(&mut self, _: u32) -> Result<()> {
        self.calls.push(CloseOnExec);
        Ok(())
    }
    fn set_no_new_privs(&mut self) -> Result<()> {
        self.calls.push(NoNewPrivs);
        Ok(())
    }
    fn set_cpu_affinity(&mut self, _: &[usize]) -> Result<()> {
        self.calls.push(Affinity);
        Ok(())
    }
    fn set_umask(&mut self, _: u32) {
        self.calls.push(Umask);
    }
    fn reset_signals(&mut self) {
        self.calls.push(ResetSignals);
    }
    fn load_seccomp(&mut self) -> Result<()> {
        self.calls.push(LoadSeccomp);
        Ok(())
    }
    fn set_caps(&mut self, _: &CapMasks) -> Result<()> {
        self.calls.push(SetCaps);
        Ok(())
    }
    fn execve(&mut self, _: &CStr, _: &[CString], _: &[CString]) -> crate::Error {
        self.calls.push(Execve);
        "recorded".into()
    }
}

const SYS_ADMIN: u64 = 1 << 21;

fn handoff(nnp: bool, seccomp: bool, keeps_sys_admin: bool) -> Handoff {
    let set = if keeps_sys_admin { SYS_ADMIN | 1 } else { 1 };
    Handoff {
        user: UserIds { uid: 1000, gid: 1000, additional_gids: vec![5], groups_denied: false },
        umask: 0o022,
        caps: CapMasks { bounding: set, effective: set, permitted: set, inheritable: 0, ambient: 0 },
        no_new_privs: nnp,
        seccomp,
        cwd: PathBuf::from("/work"),
        args: vec![CString::new("sh").unwrap()],
        path_var: "/bin".into(),
        personality: Some(0),
        final_cpus: Some(vec![0]),
        ..Default::default()
    }
}

/// prepare, the start barrier, finish: what init does.
fn record(h: &Handoff, first_chdir: Option<nix::errno::Errno>) -> Vec<Call> {
    let mut k = Recorder { first_chdir, ..Default::default() };
    let program = prepare(h, &mut k).unwrap();
    k.calls.push(Barrier);
    let _ = finish(h, &program, &mut k);
    k.calls
}

fn position(calls: &[Call], c: Call) -> usize {
    calls.iter().position(|x| *x == c).unwrap_or_else(|| panic!("{c:?} not made: {calls:?}"))
}

/// Every combination that changes the order.
fn all_cases() -> Vec<(bool, bool, bool, Option<nix::errno::Errno>)> {
    let mut out = Vec::new();
    for nnp in [false, true] {
        for seccomp in [false, true] {
            for keeps in [false, true] {
                for chdir in [None, Some(nix::errno::Errno::EACCES)] {
                    out.push((nnp, seccomp, keeps, chdir));
                }
            }
        }
    }
    out
}

#[test]
fn after_the_filter_only_what_cannot_come_before() {
    for (nnp, seccomp, keeps, chdir) in all_cases() {
        let h = handoff(nnp, seccomp, keeps);
        let calls = record(&h, chdir);
        let Some(at) = calls.iter().position(|c| *c == LoadSeccomp) else {
            assert!(!seccomp, "no filter loaded: {calls:?}");
            continue;
        };
        let after = &calls[at + 1..];
        let allowed: &[Call] = if !nnp && !keeps { &[SetCaps, Execve] } else { &[Execve] };
        assert_eq!(after, allowed, "nnp {nnp} keeps SYS_ADMIN {keeps}: {calls:?}");
    }
}

#[test]
fn fds_are_marked_last_before_the_barrier_and_the_filter() {
    for (nnp, seccomp, keeps, chdir) in all_cases() {
        let calls = record(&handoff(nnp, seccomp, keeps), chdir);
        let cloexec = position(&calls, CloseOnExec);
        assert_eq!(calls[cloexec + 1], Barrier, "{calls:?}");
        for opener in [Chdir, FindProgram, SwitchUser, Getcwd] {
            assert!(calls.iter().rposition(|c| *c == opener).unwrap() < cloexec, "{opener:?}: {calls:?}");
        }
    }
}

#[test]
fn no_new_privs_order_against_the_no_nnp_order() {
    let nnp = record(&handoff(true, true, false), None);
    assert_eq!(
        nnp,
        [
            Chdir,
            DropBounding,
            SwitchUser,
            Getcwd,
            FindProgram,
            Personality,
            RaiseAmbient,
            CloseOnExec,
            Barrier,
            NoNewPrivs,
            Affinity,
            Umask,
            ResetSignals,
            SetCaps,
            LoadSeccomp,
            Execve
        ]
    );
    let no_nnp = record(&handoff(false, true, false), None);
    let tail = &no_nnp[no_nnp.len() - 3..];
    assert_eq!(tail, [LoadSeccomp, SetCaps, Execve], "{no_nnp:?}");
    assert!(!no_nnp.contains(&NoNewPrivs));
    // Keeping CAP_SYS_ADMIN, the process can load its filter last.
    let keeps = record(&handoff(false, true, true), None);
    assert_eq!(&keeps[keeps.len() - 3..], [SetCaps, LoadSeccomp, Execve], "{keeps:?}");
}

#[test]
fn bounding_set_before_the_user_switch_and_the_filter_after_the_barrier() {
    for (nnp, seccomp, keeps, chdir) in all_cases() {
        let calls = record(&handoff(nnp, seccomp, keeps), chdir);
        assert!(position(&calls, DropBounding) < position(&calls, SwitchUser), "{calls:?}");
        if seccomp {
            assert!(position(&calls, Barrier) < position(&calls, LoadSeccomp), "{calls:?}");
        }
        assert_eq!(calls.last(), Some(&Execve));
        assert_eq!(calls.iter().filter(|c| **c == Execve).count(), 1);
    }
}

#[test]
fn a_cwd_only_the_user_may_enter_is_entered_after_the_switch() {
    let calls = record(&handoff(true, false, false), Some(nix::errno::Errno::EACCES));
    assert_eq!(&calls[..4], [Chdir, DropBounding, SwitchUser, Chdir], "{calls:?}");
    let mut k = Recorder { first_chdir: Some(nix::errno::Errno::ENOENT), ..Default::default() };
    let e = prepare(&handoff(true, false, false), &mut k).unwrap_err().to_string();
    assert!(e.starts_with("process.cwd: chdir /work"), "{e}");
    assert_eq!(k.calls, [Chdir], "a missing cwd stops before any privilege changes");
}
