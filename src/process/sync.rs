//! The parent <-> init protocol: typed messages, one per SOCK_SEQPACKET
//! datagram (so message boundaries are the kernel's, not ours).
//!
//! | from   | message            | meaning                                          |
//! |--------|--------------------|--------------------------------------------------|
//! | parent | JoinCgroups(dirs)  | move yourself into these cgroups (cgroups::SelfJoin) |
//! | parent | Go                 | id maps written: carry on with setup               |
//! | parent | Joined             | in the container's cgroups (may overtake answers)  |
//! | init   | MapUserNs          | I unshared a user namespace: write my id maps     |
//! | init   | Grandchild(pid)    | new pid namespace needed a fork: this is init     |
//! | init   | RunHooks           | rootfs mounted: run prestart/createRuntime hooks  |
//! | parent | HooksDone          | hooks succeeded                                    |
//! | init   | Ready              | waiting on the start socket; create may return    |
//! | init   | Error(error)       | setup failed: the typed error, reported once by the parent, whose exit status it decides |

use super::Error;
use crate::cgroups::SelfJoin;
use crate::error::{Result, SysResult};
use nix::sys::socket::{recv, send, socketpair, AddressFamily, MsgFlags, SockFlag, SockType};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::cell::Cell;
use std::os::fd::{AsRawFd, OwnedFd};

#[derive(Debug, Serialize, Deserialize)]
pub enum ToParent {
    MapUserNs,
    Grandchild(i32),
    RunHooks,
    Ready,
    Error(crate::Error),
}

#[derive(Debug, Serialize, Deserialize)]
pub enum ToInit {
    JoinCgroups(Vec<std::path::PathBuf>),
    Go,
    Joined,
    HooksDone,
}

/// One end of the socketpair. Init notes `Joined` whenever it arrives: the
/// parent sends it after a v1 cgroup join that can block for an RCU grace
/// period, which init spends on its own setup instead of waiting.
pub struct Channel(OwnedFd, Cell<bool>);

impl Channel {
    pub fn pair() -> Result<(Channel, Channel)> {
        let (a, b) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC)
            .sys("socketpair")
            .map_err(crate::Error::sync)?;
        Ok((Channel(a, Cell::new(false)), Channel(b, Cell::new(false))))
    }

    pub fn send<T: Serialize>(&self, msg: &T) -> Result<()> {
        let bytes = serde_json::to_vec(msg).map_err(|e| crate::Error::sync(e.to_string()))?;
        send(self.0.as_raw_fd(), &bytes, MsgFlags::MSG_NOSIGNAL).sys("send").map_err(crate::Error::sync)?;
        Ok(())
    }

    /// The next message to init other than `Joined`, which is only noted.
    pub fn recv_to_init(&self) -> Result<Option<ToInit>> {
        loop {
            match self.recv::<ToInit>()? {
                Some(ToInit::Joined) => self.1.set(true),
                other => return Ok(other),
            }
        }
    }

    /// Waits for Go. When the parent asks us to join our cgroups ourselves,
    /// returns the way in, opened now while the host's cgroupfs is in view:
    /// `enter_cgroups` uses it as late as the caller can afford.
    pub fn wait_go(&self) -> Result<Option<SelfJoin>> {
        let mut entry = None;
        loop {
            match self.recv::<ToInit>()? {
                Some(ToInit::Go) => return Ok(entry),
                Some(ToInit::Joined) => self.1.set(true),
                Some(ToInit::JoinCgroups(dirs)) => entry = Some(SelfJoin::open(&dirs)?),
                other => return Err(Error::protocol("Go", other.as_ref()).into()),
            }
        }
    }

    /// Returns once we are in the container's cgroups: moved by ourselves
    /// through `entry` when we hold it, else by the parent (Joined).
    pub fn enter_cgroups(&self, entry: &mut Option<SelfJoin>) -> Result<()> {
        if let Some(way_in) = entry.take() {
            way_in.enter()?;
            self.1.set(true);
        }
        while !self.1.get() {
            match self.recv::<ToInit>()? {
                Some(ToInit::Joined) => self.1.set(true),
                other => return Err(Error::protocol("the cgroup join", other.as_ref()).into()),
            }
        }
        Ok(())
    }

    /// The next message; None when the other side is gone. The buffer is
    /// sized to the datagram (peeked with MSG_TRUNC): a 64 KiB one for every
    /// message put sixteen pages into both processes' peak RSS.
    pub fn recv<T: DeserializeOwned>(&self) -> Result<Option<T>> {
        let len = self.recv_into(&mut [], MsgFlags::MSG_PEEK | MsgFlags::MSG_TRUNC)?;
        if len == 0 {
            return Ok(None);
        }
        let mut buf = vec![0u8; len];
        let n = self.recv_into(&mut buf, MsgFlags::empty())?;
        serde_json::from_slice(&buf[..n]).map(Some).map_err(|e| crate::Error::sync(e.to_string()))
    }

    fn recv_into(&self, buf: &mut [u8], flags: MsgFlags) -> Result<usize> {
        loop {
            match recv(self.0.as_raw_fd(), buf, flags) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => return other.sys("recv").map_err(crate::Error::sync),
            }
        }
    }
}

/// init's side of namespaces::enter's requests.
impl crate::namespaces::Parent for Channel {
    fn map_user_ns(&self) -> crate::error::Result<()> {
        self.send(&ToParent::MapUserNs)?;
        match self.recv_to_init()? {
            Some(ToInit::Go) => Ok(()),
            other => Err(Error::protocol("id maps", other.as_ref()).into()),
        }
    }

    fn forked(&self, pid: i32) {
        let _ = self.send(&ToParent::Grandchild(pid));
    }
}
