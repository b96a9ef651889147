//! CRIU's RPC messages (`images/rpc.proto`), as plain structs: the requests
//! berth sends to `criu swrk` and the responses it reads back.
//!
//! Only the fields berth uses are here, written out by hand rather than
//! generated (see [`super::proto`] for why), so that each can be checked
//! against the schema by eye. What CRIU sends beyond them is skipped on
//! decode. Each field's doc gives its
//! number in the schema, which is the interface: the names are berth's.
//!
//! Optional scalars are `Option`s (proto2 tells "not set" from "false" or
//! 0, and CRIU reads the difference: `log_level` unset means its default,
//! 2); repeated fields are `Vec`s; `required` fields are plain values,
//! always encoded, and an error on decode when absent.

use super::proto::{fields, nested, required, DecodeError, Encoder, Message};

/// `criu_req_type`: what a request asks, and what a response answers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReqType {
    #[default]
    Empty,
    Dump,
    Restore,
    Check,
    PreDump,
    PageServer,
    /// A script hook: CRIU asks (in a response), berth acknowledges (in a
    /// request with `notify_success`).
    Notify,
    CpuinfoDump,
    CpuinfoCheck,
    FeatureCheck,
    Version,
    WaitPid,
    PageServerChld,
    SinglePreDump,
    /// A number this list does not name, kept so that a newer CRIU's answer
    /// still decodes and says what it was. Never one of the numbers above:
    /// `ReqType::from` names those.
    Other(i32),
}

impl From<i32> for ReqType {
    fn from(n: i32) -> Self {
        match n {
            0 => ReqType::Empty,
            1 => ReqType::Dump,
            2 => ReqType::Restore,
            3 => ReqType::Check,
            4 => ReqType::PreDump,
            5 => ReqType::PageServer,
            6 => ReqType::Notify,
            7 => ReqType::CpuinfoDump,
            8 => ReqType::CpuinfoCheck,
            9 => ReqType::FeatureCheck,
            10 => ReqType::Version,
            11 => ReqType::WaitPid,
            12 => ReqType::PageServerChld,
            13 => ReqType::SinglePreDump,
            n => ReqType::Other(n),
        }
    }
}

impl From<ReqType> for i32 {
    fn from(t: ReqType) -> Self {
        match t {
            ReqType::Empty => 0,
            ReqType::Dump => 1,
            ReqType::Restore => 2,
            ReqType::Check => 3,
            ReqType::PreDump => 4,
            ReqType::PageServer => 5,
            ReqType::Notify => 6,
            ReqType::CpuinfoDump => 7,
            ReqType::CpuinfoCheck => 8,
            ReqType::FeatureCheck => 9,
            ReqType::Version => 10,
            ReqType::WaitPid => 11,
            ReqType::PageServerChld => 12,
            ReqType::SinglePreDump => 13,
            ReqType::Other(n) => n,
        }
    }
}

/// `criu_cg_mode`: how CRIU treats the cgroups of what it dumps or restores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CgMode {
    Ignore,
    /// `CG_NONE` in the schema.
    None,
    Props,
    Soft,
    Full,
    Strict,
    Default,
    /// A number this list does not name, as in [`ReqType::Other`].
    Other(i32),
}

impl From<i32> for CgMode {
    fn from(n: i32) -> Self {
        match n {
            0 => CgMode::Ignore,
            1 => CgMode::None,
            2 => CgMode::Props,
            3 => CgMode::Soft,
            4 => CgMode::Full,
            5 => CgMode::Strict,
            6 => CgMode::Default,
            n => CgMode::Other(n),
        }
    }
}

impl From<CgMode> for i32 {
    fn from(m: CgMode) -> Self {
        match m {
            CgMode::Ignore => 0,
            CgMode::None => 1,
            CgMode::Props => 2,
            CgMode::Soft => 3,
            CgMode::Full => 4,
            CgMode::Strict => 5,
            CgMode::Default => 6,
            CgMode::Other(n) => n,
        }
    }
}

/// `criu_page_server_info`: where a page server listens.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PageServerInfo {
    /// 1
    pub address: Option<String>,
    /// 2
    pub port: Option<i32>,
}

impl Message for PageServerInfo {
    fn encode_fields(&self, e: &mut Encoder) {
        e.string(1, self.address.as_deref());
        e.int32(2, self.port);
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        for f in fields(parts) {
            let f = f?;
            match f.number {
                1 => m.address = Some(f.string()?),
                2 => m.port = Some(f.int32()?),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// `ext_mount_map`: a mount CRIU leaves to the caller, by mount point
/// (`key`) and the name the caller knows it by (`val`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExtMountMap {
    /// 1, required
    pub key: String,
    /// 2, required
    pub val: String,
}

impl Message for ExtMountMap {
    fn encode_fields(&self, e: &mut Encoder) {
        e.string(1, self.key.as_str());
        e.string(2, self.val.as_str());
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let (mut key, mut val) = (None, None);
        for f in fields(parts) {
            let f = f?;
            match f.number {
                1 => key = Some(f.string()?),
                2 => val = Some(f.string()?),
                _ => {}
            }
        }
        Ok(Self { key: required(key, "ext_mount_map.key")?, val: required(val, "ext_mount_map.val")? })
    }
}

/// `cgroup_root`: where a controller's (or, without `ctrl`, every
/// controller's) cgroups are restored.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CgroupRoot {
    /// 1
    pub ctrl: Option<String>,
    /// 2, required
    pub path: String,
}

impl Message for CgroupRoot {
    fn encode_fields(&self, e: &mut Encoder) {
        e.string(1, self.ctrl.as_deref());
        e.string(2, self.path.as_str());
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let (mut ctrl, mut path) = (None, None);
        for f in fields(parts) {
            let f = f?;
            match f.number {
                1 => ctrl = Some(f.string()?),
                2 => path = Some(f.string()?),
                _ => {}
            }
        }
        Ok(Self { ctrl, path: required(path, "cgroup_root.path")? })
    }
}

/// `inherit_fd`: a descriptor of the caller's that a restored process gets
/// in place of the resource `key` names (`pipe:[1234]`, ...). swrk only:
/// the descriptor must be open in CRIU, which berth starts.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InheritFd {
    /// 1, required
    pub key: String,
    /// 2, required
    pub fd: i32,
}

impl Message for InheritFd {
    fn encode_fields(&self, e: &mut Encoder) {
        e.string(1, self.key.as_str());
        e.int32(2, self.fd);
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let (mut key, mut fd) = (None, None);
        for f in fields(parts) {
            let f = f?;
            match f.number {
                1 => key = Some(f.string()?),
                2 => fd = Some(f.int32()?),
                _ => {}
            }
        }
        Ok(Self { key: required(key, "inherit_fd.key")?, fd: required(fd, "inherit_fd.fd")? })
    }
}

/// `join_namespace`: a namespace a restored process joins instead of
/// getting a new one (`ns` is its kind: "net", "ipc", ...).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct JoinNs {
    /// 1, required
    pub ns: String,
    /// 2, required
    pub ns_file: String,
}

impl Message for JoinNs {
    fn encode_fields(&self, e: &mut Encoder) {
        e.string(1, self.ns.as_str());
        e.string(2, self.ns_file.as_str());
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let (mut ns, mut ns_file) = (None, None);
        for f in fields(parts) {
            let f = f?;
            match f.number {
                1 => ns = Some(f.string()?),
                2 => ns_file = Some(f.string()?),
                _ => {}
            }
        }
        Ok(Self { ns: required(ns, "join_namespace.ns")?, ns_file: required(ns_file, "join_namespace.ns_file")? })
    }
}

/// `criu_opts`: how to dump or restore. Field doc comments give the schema's
/// numbers.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Opts {
    /// 1, required, so always sent. A descriptor of the caller's: CRIU
    /// opens it through /proc/<caller>/fd.
    pub images_dir_fd: i32,
    /// 2: without it, a dump dumps the process that asked.
    pub pid: Option<i32>,
    /// 3
    pub leave_running: Option<bool>,
    /// 4
    pub ext_unix_sk: Option<bool>,
    /// 5
    pub tcp_established: Option<bool>,
    /// 7
    pub shell_job: Option<bool>,
    /// 8
    pub file_locks: Option<bool>,
    /// 9: CRIU's default is 2.
    pub log_level: Option<i32>,
    /// 10: a file name in the work directory; CRIU refuses subdirectories.
    pub log_file: Option<String>,
    /// 11
    pub ps: Option<PageServerInfo>,
    /// 12: ask CRIU to stop at each script hook with a [`ReqType::Notify`].
    pub notify_scripts: Option<bool>,
    /// 13
    pub root: Option<String>,
    /// 14
    pub parent_img: Option<String>,
    /// 15
    pub track_mem: Option<bool>,
    /// 16
    pub auto_dedup: Option<bool>,
    /// 17
    pub work_dir_fd: Option<i32>,
    /// 18
    pub link_remap: Option<bool>,
    /// 23: deprecated upstream in favour of `external`, still read.
    pub ext_mnt: Vec<ExtMountMap>,
    /// 24
    pub manage_cgroups: Option<bool>,
    /// 25
    pub cg_root: Vec<CgroupRoot>,
    /// 26: restore the tree as a child of CRIU's caller (swrk only).
    pub rst_sibling: Option<bool>,
    /// 27
    pub inherit_fd: Vec<InheritFd>,
    /// 34
    pub manage_cgroups_mode: Option<CgMode>,
    /// 37: `mnt[...]:...`, `dev[...]:...`, ... as `criu --external` takes.
    pub external: Vec<String>,
    /// 38: `CLONE_NEW*` flags of namespaces restored empty.
    pub empty_ns: Option<u32>,
    /// 39
    pub join_ns: Vec<JoinNs>,
    /// 44: a freezer cgroup path.
    pub freeze_cgroup: Option<String>,
    /// 46
    pub tcp_skip_in_flight: Option<bool>,
    /// 48
    pub lazy_pages: Option<bool>,
    /// 49: a descriptor of the caller's that CRIU writes a 0 byte to and
    /// closes once it serves (page server, lazy pages). CRIU 3.17 warns that
    /// it is obsolete, in favour of the `status-ready` notify script.
    pub status_fd: Option<i32>,
    /// 50
    pub orphan_pts_master: Option<bool>,
    /// 52
    pub tcp_close: Option<bool>,
    /// 53
    pub lsm_profile: Option<String>,
    /// 63
    pub lsm_mount_context: Option<String>,
}

impl Message for Opts {
    fn encode_fields(&self, e: &mut Encoder) {
        e.int32(1, self.images_dir_fd);
        e.int32(2, self.pid);
        e.bool(3, self.leave_running);
        e.bool(4, self.ext_unix_sk);
        e.bool(5, self.tcp_established);
        e.bool(7, self.shell_job);
        e.bool(8, self.file_locks);
        e.int32(9, self.log_level);
        e.string(10, self.log_file.as_deref());
        e.message(11, self.ps.as_ref());
        e.bool(12, self.notify_scripts);
        e.string(13, self.root.as_deref());
        e.string(14, self.parent_img.as_deref());
        e.bool(15, self.track_mem);
        e.bool(16, self.auto_dedup);
        e.int32(17, self.work_dir_fd);
        e.bool(18, self.link_remap);
        for m in &self.ext_mnt {
            e.message(23, Some(m));
        }
        e.bool(24, self.manage_cgroups);
        for m in &self.cg_root {
            e.message(25, Some(m));
        }
        e.bool(26, self.rst_sibling);
        for m in &self.inherit_fd {
            e.message(27, Some(m));
        }
        e.enumeration(34, self.manage_cgroups_mode.map(i32::from));
        for s in &self.external {
            e.string(37, s.as_str());
        }
        e.uint32(38, self.empty_ns);
        for m in &self.join_ns {
            e.message(39, Some(m));
        }
        e.string(44, self.freeze_cgroup.as_deref());
        e.bool(46, self.tcp_skip_in_flight);
        e.bool(48, self.lazy_pages);
        e.int32(49, self.status_fd);
        e.bool(50, self.orphan_pts_master);
        e.bool(52, self.tcp_close);
        e.string(53, self.lsm_profile.as_deref());
        e.string(63, self.lsm_mount_context.as_deref());
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut images_dir_fd = None;
        let mut ps = Vec::new();
        for f in fields(parts) {
            let f = f?;
            match f.number {
                1 => images_dir_fd = Some(f.int32()?),
                2 => m.pid = Some(f.int32()?),
                3 => m.leave_running = Some(f.bool()?),
                4 => m.ext_unix_sk = Some(f.bool()?),
                5 => m.tcp_established = Some(f.bool()?),
                7 => m.shell_job = Some(f.bool()?),
                8 => m.file_locks = Some(f.bool()?),
                9 => m.log_level = Some(f.int32()?),
                10 => m.log_file = Some(f.string()?),
                11 => ps.push(f.bytes()?),
                12 => m.notify_scripts = Some(f.bool()?),
                13 => m.root = Some(f.string()?),
                14 => m.parent_img = Some(f.string()?),
                15 => m.track_mem = Some(f.bool()?),
                16 => m.auto_dedup = Some(f.bool()?),
                17 => m.work_dir_fd = Some(f.int32()?),
                18 => m.link_remap = Some(f.bool()?),
                23 => m.ext_mnt.push(ExtMountMap::decode(f.bytes()?)?),
                24 => m.manage_cgroups = Some(f.bool()?),
                25 => m.cg_root.push(CgroupRoot::decode(f.bytes()?)?),
                26 => m.rst_sibling = Some(f.bool()?),
                27 => m.inherit_fd.push(InheritFd::decode(f.bytes()?)?),
                34 => m.manage_cgroups_mode = Some(CgMode::from(f.int32()?)),
                37 => m.external.push(f.string()?),
                38 => m.empty_ns = Some(f.uint32()?),
                39 => m.join_ns.push(JoinNs::decode(f.bytes()?)?),
                44 => m.freeze_cgroup = Some(f.string()?),
                46 => m.tcp_skip_in_flight = Some(f.bool()?),
                48 => m.lazy_pages = Some(f.bool()?),
                49 => m.status_fd = Some(f.int32()?),
                50 => m.orphan_pts_master = Some(f.bool()?),
                52 => m.tcp_close = Some(f.bool()?),
                53 => m.lsm_profile = Some(f.string()?),
                63 => m.lsm_mount_context = Some(f.string()?),
                _ => {}
            }
        }
        m.images_dir_fd = required(images_dir_fd, "criu_opts.images_dir_fd")?;
        m.ps = nested(&ps)?;
        Ok(m)
    }
}

/// `criu_features`: asked about in a [`ReqType::FeatureCheck`] request,
/// answered in its response.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Features {
    /// 1
    pub mem_track: Option<bool>,
    /// 2
    pub lazy_pages: Option<bool>,
    /// 3
    pub pidfd_store: Option<bool>,
}

impl Message for Features {
    fn encode_fields(&self, e: &mut Encoder) {
        e.bool(1, self.mem_track);
        e.bool(2, self.lazy_pages);
        e.bool(3, self.pidfd_store);
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        for f in fields(parts) {
            let f = f?;
            match f.number {
                1 => m.mem_track = Some(f.bool()?),
                2 => m.lazy_pages = Some(f.bool()?),
                3 => m.pidfd_store = Some(f.bool()?),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// `criu_req`: one request to `criu swrk`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Req {
    /// 1 (`type`), required
    pub kind: ReqType,
    /// 2
    pub opts: Option<Opts>,
    /// 3: the answer to a [`ReqType::Notify`] response: whether the hook
    /// berth ran for it succeeded.
    pub notify_success: Option<bool>,
    /// 4: keep the connection open for more requests.
    pub keep_open: Option<bool>,
    /// 5
    pub features: Option<Features>,
}

impl Req {
    pub fn encode(&self) -> Vec<u8> {
        Message::encode(self)
    }

    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        Message::decode(buf)
    }
}

impl Message for Req {
    fn encode_fields(&self, e: &mut Encoder) {
        e.enumeration(1, i32::from(self.kind));
        e.message(2, self.opts.as_ref());
        e.bool(3, self.notify_success);
        e.bool(4, self.keep_open);
        e.message(5, self.features.as_ref());
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut kind = None;
        let (mut opts, mut features) = (Vec::new(), Vec::new());
        for f in fields(parts) {
            let f = f?;
            match f.number {
                1 => kind = Some(ReqType::from(f.int32()?)),
                2 => opts.push(f.bytes()?),
                3 => m.notify_success = Some(f.bool()?),
                4 => m.keep_open = Some(f.bool()?),
                5 => features.push(f.bytes()?),
                _ => {}
            }
        }
        m.kind = required(kind, "criu_req.type")?;
        m.opts = nested(&opts)?;
        m.features = nested(&features)?;
        Ok(m)
    }
}

/// `criu_dump_resp`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DumpResp {
    /// 1: true in the answer that a process which dumped itself gets once
    /// it has been restored; false otherwise.
    pub restored: Option<bool>,
}

impl Message for DumpResp {
    fn encode_fields(&self, e: &mut Encoder) {
        e.bool(1, self.restored);
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        for f in fields(parts) {
            let f = f?;
            if f.number == 1 {
                m.restored = Some(f.bool()?);
            }
        }
        Ok(m)
    }
}

/// `criu_restore_resp`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RestoreResp {
    /// 1, required: the restored tree's root process.
    pub pid: i32,
}

impl Message for RestoreResp {
    fn encode_fields(&self, e: &mut Encoder) {
        e.int32(1, self.pid);
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let mut pid = None;
        for f in fields(parts) {
            let f = f?;
            if f.number == 1 {
                pid = Some(f.int32()?);
            }
        }
        Ok(Self { pid: required(pid, "criu_restore_resp.pid")? })
    }
}

/// `criu_notify`: which script hook CRIU has reached.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notify {
    /// 1: the hook's name ("post-restore", "network-lock", ...).
    pub script: Option<String>,
    /// 2
    pub pid: Option<i32>,
}

impl Message for Notify {
    fn encode_fields(&self, e: &mut Encoder) {
        e.string(1, self.script.as_deref());
        e.int32(2, self.pid);
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        for f in fields(parts) {
            let f = f?;
            match f.number {
                1 => m.script = Some(f.string()?),
                2 => m.pid = Some(f.int32()?),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// `criu_version`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Version {
    /// 1, required
    pub major_number: i32,
    /// 2, required
    pub minor_number: i32,
    /// 3
    pub gitid: Option<String>,
    /// 4
    pub sublevel: Option<i32>,
    /// 5
    pub extra: Option<i32>,
    /// 6
    pub name: Option<String>,
}

impl Message for Version {
    fn encode_fields(&self, e: &mut Encoder) {
        e.int32(1, self.major_number);
        e.int32(2, self.minor_number);
        e.string(3, self.gitid.as_deref());
        e.int32(4, self.sublevel);
        e.int32(5, self.extra);
        e.string(6, self.name.as_deref());
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let (mut major, mut minor) = (None, None);
        for f in fields(parts) {
            let f = f?;
            match f.number {
                1 => major = Some(f.int32()?),
                2 => minor = Some(f.int32()?),
                3 => m.gitid = Some(f.string()?),
                4 => m.sublevel = Some(f.int32()?),
                5 => m.extra = Some(f.int32()?),
                6 => m.name = Some(f.string()?),
                _ => {}
            }
        }
        m.major_number = required(major, "criu_version.major_number")?;
        m.minor_number = required(minor, "criu_version.minor_number")?;
        Ok(m)
    }
}

/// `criu_resp`: CRIU's answer to a request, or (`kind` [`ReqType::Notify`])
/// a question of its own at a script hook.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Resp {
    /// 1 (`type`), required
    pub kind: ReqType,
    /// 2, required
    pub success: bool,
    /// 3
    pub dump: Option<DumpResp>,
    /// 4
    pub restore: Option<RestoreResp>,
    /// 5
    pub notify: Option<Notify>,
    /// 7: the errno of the failure, when there was one to give.
    pub cr_errno: Option<i32>,
    /// 8
    pub features: Option<Features>,
    /// 9: CRIU's last error message.
    pub cr_errmsg: Option<String>,
    /// 10
    pub version: Option<Version>,
    /// 11: the wait status (as waitpid(2) gives it) a `WAIT_PID` request
    /// waited for.
    pub status: Option<i32>,
}

impl Resp {
    pub fn encode(&self) -> Vec<u8> {
        Message::encode(self)
    }

    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        Message::decode(buf)
    }
}

impl Message for Resp {
    fn encode_fields(&self, e: &mut Encoder) {
        e.enumeration(1, i32::from(self.kind));
        e.bool(2, self.success);
        e.message(3, self.dump.as_ref());
        e.message(4, self.restore.as_ref());
        e.message(5, self.notify.as_ref());
        e.int32(7, self.cr_errno);
        e.message(8, self.features.as_ref());
        e.string(9, self.cr_errmsg.as_deref());
        e.message(10, self.version.as_ref());
        e.int32(11, self.status);
    }

    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let (mut kind, mut success) = (None, None);
        let (mut dump, mut restore, mut notify, mut features, mut version) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for f in fields(parts) {
            let f = f?;
            match f.number {
                1 => kind = Some(ReqType::from(f.int32()?)),
                2 => success = Some(f.bool()?),
                3 => dump.push(f.bytes()?),
                4 => restore.push(f.bytes()?),
                5 => notify.push(f.bytes()?),
                7 => m.cr_errno = Some(f.int32()?),
                8 => features.push(f.bytes()?),
                9 => m.cr_errmsg = Some(f.string()?),
                10 => version.push(f.bytes()?),
                11 => m.status = Some(f.int32()?),
                _ => {}
            }
        }
        m.kind = required(kind, "criu_resp.type")?;
        m.success = required(success, "criu_resp.success")?;
        m.dump = nested(&dump)?;
        m.restore = nested(&restore)?;
        m.notify = nested(&notify)?;
        m.features = nested(&features)?;
        m.version = nested(&version)?;
        Ok(m)
    }
}
