//! One CRIU request over `criu swrk 3`.
//!
//! | from  | message                        | meaning                                   |
//! |-------|--------------------------------|-------------------------------------------|
//! | berth | Req DUMP / PRE_DUMP / RESTORE  | the whole request, its options            |
//! | criu  | Resp NOTIFY (script, pid)      | a point in the work: setup-namespaces,    |
//! |       |                                | post-restore, orphan-pts-master (with the |
//! |       |                                | pty master as SCM_RIGHTS), status-ready   |
//! | berth | Req NOTIFY (notify_success)    | carry on (false: give up)                 |
//! | criu  | Resp of the request's type     | done: success, or cr_errno and cr_errmsg  |
//!
//! CRIU opens the image and work directories as /proc/<our pid>/fd/N (it
//! knows us by the socket's peer credentials), so those fds stay ours; the
//! fds the restored process inherits are passed to CRIU itself.

use super::rpc::{CgMode, CgroupRoot, ExtMountMap, InheritFd, Opts, PageServerInfo, Req, ReqType, Resp};
use super::{CgroupMode, Dump, Error, Events, Flags, Inherit, Restore};
use crate::error::{Result, SysResult};
use nix::sys::socket::{recvmsg, send, socketpair, AddressFamily, ControlMessageOwned, MsgFlags, SockFlag, SockType};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

/// What a restore leaves: the new init.
pub struct Restored {
    pub pid: i32,
}

pub fn dump(d: &Dump) -> Result<()> {
    let mut opts = common(&d.flags, d.cgroups, d.images.as_raw_fd(), d.work.as_raw_fd());
    opts.log_file = Some(if d.pre_dump { "pre-dump.log" } else { "dump.log" }.into());
    opts.pid = Some(d.pid);
    opts.root = Some(d.root.to_string_lossy().into_owned());
    opts.leave_running = Some(d.leave_running || d.pre_dump);
    opts.orphan_pts_master = Some(d.terminal);
    opts.ext_mnt = d.external_mounts.iter().map(|(k, v)| ExtMountMap { key: k.clone(), val: v.clone() }).collect();
    opts.external = d.external.clone();
    opts.freeze_cgroup = d.freeze_cgroup.as_ref().map(|p| p.to_string_lossy().into_owned());
    opts.tcp_skip_in_flight = Some(d.tcp_skip_in_flight);
    opts.link_remap = Some(d.link_remap);
    if let Some(parent) = &d.parent {
        opts.parent_img = Some(parent.to_string_lossy().into_owned());
        opts.track_mem = Some(true);
    }
    if d.pre_dump {
        opts.track_mem = Some(true);
    }
    opts.ps = d.page_server.as_ref().map(|(a, p)| PageServerInfo { address: Some(a.clone()), port: Some(*p) });
    let kind = if d.pre_dump { ReqType::PreDump } else { ReqType::Dump };
    let action = if d.pre_dump { "pre-dump" } else { "dump" };
    let session = Session::spawn(&[], Vec::new())?;
    let mut on = Notified { events: None, status_fd: d.status_fd, pid: None };
    session.request(&Req { kind, opts: Some(opts), ..Default::default() }, &mut on, action, &d.log)?;
    Ok(())
}

pub fn restore(r: &Restore, events: &mut dyn Events) -> Result<Restored> {
    let mut opts = common(&r.flags, r.cgroups, r.images.as_raw_fd(), r.work.as_raw_fd());
    opts.log_file = Some("restore.log".into());
    opts.root = Some(r.root.to_string_lossy().into_owned());
    opts.rst_sibling = Some(true);
    opts.orphan_pts_master = Some(r.terminal);
    opts.tcp_close = Some(r.tcp_close);
    opts.ext_mnt = r.external_mounts.iter().map(|(k, v)| ExtMountMap { key: k.clone(), val: v.clone() }).collect();
    if r.cgroups != CgroupMode::Ignore {
        opts.cg_root = r.cgroup_root.iter().map(|p| CgroupRoot { ctrl: None, path: p.clone() }).collect();
    }
    let mut pass = Vec::new();
    for (_, what) in &r.inherit {
        if let Inherit::Fd(fd) = what {
            pass.push(fd.try_clone().sys("dup")?);
        }
    }
    let session = Session::spawn(&r.join_cgroups, pass)?;
    let mut passed = session.passed.iter();
    for (key, what) in &r.inherit {
        let fd = match what {
            Inherit::Stdio(fd) => Some(*fd),
            Inherit::Fd(_) => passed.next().copied(),
        };
        opts.inherit_fd.extend(fd.map(|fd| InheritFd { key: key.clone(), fd }));
    }
    let mut on = Notified { events: Some(events), status_fd: None, pid: None };
    let resp = session.request(
        &Req { kind: ReqType::Restore, opts: Some(opts), ..Default::default() },
        &mut on,
        "restore",
        &r.log,
    )?;
    match resp.restore.map(|x| x.pid).or(on.pid) {
        Some(pid) if pid > 0 => Ok(Restored { pid }),
        _ => Err(Error::Protocol("restore succeeded without a pid".into()).into()),
    }
}

/// The options every request has.
fn common(f: &Flags, cgroups: CgroupMode, images: RawFd, work: RawFd) -> Opts {
    Opts {
        images_dir_fd: images,
        work_dir_fd: Some(work),
        log_level: Some(4),
        notify_scripts: Some(true),
        manage_cgroups: Some(true),
        manage_cgroups_mode: Some(match cgroups {
            CgroupMode::Soft => CgMode::Soft,
            CgroupMode::Full => CgMode::Full,
            CgroupMode::Strict => CgMode::Strict,
            CgroupMode::Ignore => CgMode::Ignore,
        }),
        tcp_established: Some(f.tcp_established),
        ext_unix_sk: Some(f.ext_unix_sk),
        shell_job: Some(f.shell_job),
        file_locks: Some(f.file_locks),
        lazy_pages: Some(f.lazy_pages),
        auto_dedup: Some(f.auto_dedup),
        empty_ns: f.empty_net.then_some(libc::CLONE_NEWNET as u32),
        ..Default::default()
    }
}

struct Session {
    sock: OwnedFd,
    child: std::process::Child,
    /// The numbers the passed fds have in CRIU, in order.
    passed: Vec<RawFd>,
}

impl Session {
    /// `criu swrk 3`, the socket its fd 3, in `join` (cgroup directories)
    /// before it runs, with `pass` as fds above every fd involved (so a
    /// dup2 never lands on one still to be moved).
    fn spawn(join: &[PathBuf], pass: Vec<OwnedFd>) -> Result<Session> {
        let (ours, theirs) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC)
            .sys("socketpair (criu swrk)")?;
        let procs = crate::cgroups::SelfJoin::open(join)?;
        let theirs_fd = theirs.as_raw_fd();
        let pass_fds: Vec<RawFd> = pass.iter().map(AsRawFd::as_raw_fd).collect();
        let proc_fds = procs.raw_fds();
        let highest = pass_fds.iter().chain(&proc_fds).chain([&theirs_fd, &3]).copied().max().unwrap_or(3);
        let passed: Vec<RawFd> = (0..pass_fds.len() as RawFd).map(|i| highest + 1 + i).collect();
        let targets = passed.clone();
        let mut cmd = std::process::Command::new("criu");
        cmd.args(["swrk", "3"]);
        // SAFETY: the closure runs in the forked child before exec and
        // makes only async-signal-safe calls (write, dup2, fcntl) on fds
        // that are open in it; it allocates nothing.
        unsafe {
            cmd.pre_exec(move || child_setup(&proc_fds, &pass_fds, &targets, theirs_fd));
        }
        let child = cmd.spawn().map_err(|e| Error::NotInstalled { os: e.into() })?;
        drop((theirs, pass, procs));
        Ok(Session { sock: ours, child, passed })
    }

    /// Sends `req`, answers CRIU's notifications, and returns its answer.
    fn request(mut self, req: &Req, on: &mut Notified, action: &str, log: &Path) -> Result<Resp> {
        let failed = |why: String| Error::Failed { action: action.into(), why, log: log.to_path_buf() };
        send(self.sock.as_raw_fd(), &req.encode(), MsgFlags::MSG_NOSIGNAL).sys("send (criu swrk)")?;
        let result = loop {
            let (bytes, fd) = match self.recv() {
                Ok(Some(m)) => m,
                Ok(None) => break Err(failed("criu exited without an answer".into()).into()),
                Err(e) => break Err(e),
            };
            let resp = match Resp::decode(&bytes) {
                Ok(r) => r,
                Err(e) => break Err(Error::Protocol(format!("an answer that does not decode: {e}")).into()),
            };
            if resp.kind != ReqType::Notify {
                if resp.success {
                    break Ok(resp);
                }
                break Err(failed(refusal(&resp)).into());
            }
            let script = resp.notify.as_ref().and_then(|n| n.script.clone()).unwrap_or_default();
            let pid = resp.notify.as_ref().and_then(|n| n.pid).unwrap_or(0);
            let handled = on.notified(&script, pid, fd);
            let ack = Req { kind: ReqType::Notify, notify_success: Some(handled.is_ok()), ..Default::default() };
            let _ = send(self.sock.as_raw_fd(), &ack.encode(), MsgFlags::MSG_NOSIGNAL);
            if let Err(e) = handled {
                break Err(e);
            }
        };
        drop(self.sock);
        let _ = self.child.wait();
        result
    }

    /// One message, with the fd CRIU sends along (the pty master).
    fn recv(&self) -> Result<Option<(Vec<u8>, Option<OwnedFd>)>> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut space = nix::cmsg_space!([RawFd; 1]);
        let (n, fd) = loop {
            let mut iov = [std::io::IoSliceMut::new(&mut buf)];
            match recvmsg::<()>(self.sock.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC) {
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e).sys("recvmsg (criu swrk)"),
                Ok(msg) => {
                    let mut fds = Vec::new();
                    for c in msg.cmsgs().sys("recvmsg (criu swrk)")? {
                        if let ControlMessageOwned::ScmRights(got) = c {
                            // SAFETY: the kernel just gave us these fds; we own them (all
                            // of them, so that any beyond the first is closed).
                            fds.extend(got.iter().map(|&f| unsafe { OwnedFd::from_raw_fd(f) }));
                        }
                    }
                    break (msg.bytes, fds.into_iter().next());
                }
            }
        };
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some((buf, fd)))
    }
}

/// CRIU's own words for a refusal, or its errno.
fn refusal(resp: &Resp) -> String {
    match (&resp.cr_errmsg, resp.cr_errno) {
        (Some(msg), _) if !msg.is_empty() => msg.clone(),
        (_, Some(errno)) if errno != 0 => std::io::Error::from_raw_os_error(errno).to_string(),
        _ => "no reason given".into(),
    }
}

/// What CRIU tells us as it works, and what we do about it.
struct Notified<'a> {
    events: Option<&'a mut dyn Events>,
    status_fd: Option<RawFd>,
    /// Init of the restored tree, once CRIU says so.
    pid: Option<i32>,
}

impl Notified<'_> {
    fn notified(&mut self, script: &str, pid: i32, fd: Option<OwnedFd>) -> Result<()> {
        crate::logging::debug(&format!("criu: {script} (pid {pid})"));
        match (script, self.events.as_mut()) {
            ("setup-namespaces", Some(events)) => events.namespaces_ready(pid),
            ("orphan-pts-master", Some(events)) => match fd {
                Some(master) => events.pty_master(master),
                None => Err(Error::Protocol("orphan-pts-master came without the pty master".into()).into()),
            },
            ("post-restore", _) => {
                self.pid = Some(pid);
                Ok(())
            }
            ("status-ready", _) => {
                if let Some(fd) = self.status_fd {
                    // SAFETY: a write of one byte (a NUL) to an fd our caller gave us.
                    unsafe { libc::write(fd, [0u8].as_ptr().cast(), 1) };
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// In the forked child: into the cgroups, then the fds where criu wants
/// them (the passed ones first: their targets are above every fd involved).
fn child_setup(procs: &[RawFd], pass: &[RawFd], targets: &[RawFd], sock: RawFd) -> std::io::Result<()> {
    for &f in procs {
        // SAFETY: writing "0" to an open tasks or cgroup.procs file moves
        // the writer (a single-threaded child: the whole process).
        if unsafe { libc::write(f, b"0".as_ptr().cast(), 1) } != 1 {
            return Err(std::io::Error::last_os_error());
        }
    }
    for (&f, &to) in pass.iter().zip(targets) {
        dup_to(f, to)?;
    }
    dup_to(sock, 3)
}

/// `from` as `to`, open across exec.
fn dup_to(from: RawFd, to: RawFd) -> std::io::Result<()> {
    // SAFETY: dup2 and fcntl on fds open in this process.
    unsafe {
        if from != to && libc::dup2(from, to) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let flags = libc::fcntl(to, libc::F_GETFD);
        if flags < 0 || libc::fcntl(to, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
