//! The CRIU messages against the reference implementation, and round trips.
//!
//! The hex constants are what Python's protobuf (7.36, with protoc from
//! grpcio-tools, compiled from CRIU v3.17.1's `images/rpc.proto`) serialized
//! for the same messages: the bytes CRIU's protobuf-c reads. Python writes
//! fields in number order, as this encoder does, so requests must match
//! byte for byte. The Python script is not kept; each constant's comment
//! says what it built.

use super::proto::{DecodeError, Message};
use super::rpc::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// type=DUMP, opts { images_dir_fd=5 pid=1234 leave_running=true log_level=4
/// log_file="dump.log" ext_mnt=[{"/etc/hosts","hosts"},{"/dev/shm","shm"}]
/// manage_cgroups_mode=SOFT external=["mnt[/run/secrets]:secrets"]
/// orphan_pts_master=true }
const DUMP_REQ: &str = "0801125d080510d20918014804520864756d702e6c6f67ba01130a0a2f6574632f686f7374731205686f737473ba010f0a082f6465762f73686d120373686d900203aa02196d6e745b2f72756e2f736563726574735d3a73656372657473900301";
/// type=RESTORE, opts { images_dir_fd=5 rst_sibling=true
/// inherit_fd=[{"pipe:[1234]",0},{"pipe:[5678]",1}] cg_root=[{path="/berth/c1"}] }
const RESTORE_REQ: &str =
    "080212370805ca010b12092f62657274682f6331d00101da010f0a0b706970653a5b313233345d1000da010f0a0b706970653a5b353637385d1001";
/// type=NOTIFY notify_success=true
const NOTIFY_REQ: &str = "08061801";
/// type=CHECK, opts { images_dir_fd=-1 }
const NEGATIVE_FD_REQ: &str = "0803120b08ffffffffffffffffff01";
/// type=FEATURE_CHECK, features { mem_track=true lazy_pages=false }
const FEATURE_REQ: &str = "08092a0408011000";

/// type=RESTORE success=true restore { pid=42 }
const RESTORE_RESP: &str = "080210012202082a";
/// type=NOTIFY success=true notify { script="post-restore" pid=42 }
const NOTIFY_RESP: &str = "080610012a100a0c706f73742d726573746f7265102a";
/// type=DUMP success=false cr_errno=1 cr_errmsg="x"
const DUMP_FAILED_RESP: &str = "0801100038014a0178";
/// type=VERSION success=true version { major_number=3 minor_number=17 }
const VERSION_RESP: &str = "080a1001520408031011";
/// type=PAGE_SERVER success=true ps { port=1234 pid=99 } status=-1: `ps`
/// (6) is a field berth does not read.
const PAGE_SERVER_RESP: &str = "08051001320510d209186358ffffffffffffffffff01";

fn dump_req() -> Req {
    Req {
        kind: ReqType::Dump,
        opts: Some(Opts {
            images_dir_fd: 5,
            pid: Some(1234),
            leave_running: Some(true),
            log_level: Some(4),
            log_file: Some("dump.log".into()),
            ext_mnt: vec![
                ExtMountMap { key: "/etc/hosts".into(), val: "hosts".into() },
                ExtMountMap { key: "/dev/shm".into(), val: "shm".into() },
            ],
            manage_cgroups_mode: Some(CgMode::Soft),
            external: vec!["mnt[/run/secrets]:secrets".into()],
            orphan_pts_master: Some(true),
            ..Opts::default()
        }),
        ..Req::default()
    }
}

fn restore_req() -> Req {
    Req {
        kind: ReqType::Restore,
        opts: Some(Opts {
            images_dir_fd: 5,
            rst_sibling: Some(true),
            inherit_fd: vec![
                InheritFd { key: "pipe:[1234]".into(), fd: 0 },
                InheritFd { key: "pipe:[5678]".into(), fd: 1 },
            ],
            cg_root: vec![CgroupRoot { ctrl: None, path: "/berth/c1".into() }],
            ..Opts::default()
        }),
        ..Req::default()
    }
}

/// Each request's bytes are Python's, and Python's bytes decode to it.
#[test]
fn requests_match_the_reference() {
    let cases = [
        (dump_req(), DUMP_REQ),
        (restore_req(), RESTORE_REQ),
        (Req { kind: ReqType::Notify, notify_success: Some(true), ..Req::default() }, NOTIFY_REQ),
        (
            Req { kind: ReqType::Check, opts: Some(Opts { images_dir_fd: -1, ..Opts::default() }), ..Req::default() },
            NEGATIVE_FD_REQ,
        ),
        (
            Req {
                kind: ReqType::FeatureCheck,
                features: Some(Features { mem_track: Some(true), lazy_pages: Some(false), pidfd_store: None }),
                ..Req::default()
            },
            FEATURE_REQ,
        ),
    ];
    for (req, expected) in cases {
        assert_eq!(req.encode(), hex(expected), "{req:?}");
        assert_eq!(Req::decode(&hex(expected)), Ok(req));
    }
}

/// Python's responses decode as expected, and encode back to the same bytes.
#[test]
fn responses_match_the_reference() {
    let cases = [
        (
            RESTORE_RESP,
            Resp { kind: ReqType::Restore, success: true, restore: Some(RestoreResp { pid: 42 }), ..Resp::default() },
        ),
        (
            NOTIFY_RESP,
            Resp {
                kind: ReqType::Notify,
                success: true,
                notify: Some(Notify { script: Some("post-restore".into()), pid: Some(42) }),
                ..Resp::default()
            },
        ),
        (
            DUMP_FAILED_RESP,
            Resp {
                kind: ReqType::Dump,
                success: false,
                cr_errno: Some(1),
                cr_errmsg: Some("x".into()),
                ..Resp::default()
            },
        ),
        (
            VERSION_RESP,
            Resp {
                kind: ReqType::Version,
                success: true,
                version: Some(Version { major_number: 3, minor_number: 17, ..Version::default() }),
                ..Resp::default()
            },
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(Resp::decode(&hex(bytes)), Ok(expected.clone()));
        assert_eq!(expected.encode(), hex(bytes));
    }
}

#[test]
fn fields_berth_does_not_read_are_skipped() {
    let resp = Resp::decode(&hex(PAGE_SERVER_RESP)).unwrap();
    assert_eq!(resp, Resp { kind: ReqType::PageServer, success: true, status: Some(-1), ..Resp::default() });
}

#[test]
fn a_missing_required_field_is_an_error() {
    fn missing<T>(name: &str) -> Result<T, DecodeError> {
        Err(DecodeError::MissingField(name.into()))
    }
    // type=DUMP alone.
    assert_eq!(Resp::decode(&hex("0801")), missing("criu_resp.success"));
    assert_eq!(Resp::decode(&hex("1001")), missing("criu_resp.type"));
    assert_eq!(Resp::decode(&[]), missing("criu_resp.type"));
    // type=RESTORE success=true restore {}.
    assert_eq!(Resp::decode(&hex("080210012200")), missing("criu_restore_resp.pid"));
    // type=VERSION success=true version { major_number=3 }.
    assert_eq!(Resp::decode(&hex("080a100152020803")), missing("criu_version.minor_number"));
    // type=DUMP opts { pid=1 }.
    assert_eq!(Req::decode(&hex("080112021001")), missing("criu_opts.images_dir_fd"));
    // type=RESTORE opts { images_dir_fd=5 cg_root=[{ctrl="cpu"}] }.
    assert_eq!(Req::decode(&hex("0802120a0805ca01050a03637075")), missing("cgroup_root.path"));
}

/// A message field sent twice is merged, as protobuf does: later scalars win,
/// repeated fields add up, and required fields may come from either.
#[test]
fn a_message_field_sent_twice_is_merged() {
    // type=DUMP opts { pid=7 external=["a"] } opts { images_dir_fd=5 pid=8 external=["b"] }
    let bytes = hex("080112061007aa020161120808051008aa020162");
    let req = Req::decode(&bytes).unwrap();
    let opts = req.opts.unwrap();
    assert_eq!((opts.images_dir_fd, opts.pid), (5, Some(8)));
    assert_eq!(opts.external, ["a", "b"]);
}

#[test]
fn unknown_enum_values_are_kept() {
    // type=20 success=true
    let resp = Resp::decode(&hex("08141001")).unwrap();
    assert_eq!(resp.kind, ReqType::Other(20));
    assert_eq!(resp.encode(), hex("08141001"));
    // type=DUMP opts { images_dir_fd=5 manage_cgroups_mode=9 }
    let req = Req::decode(&hex("080112050805900209")).unwrap();
    assert_eq!(req.opts.unwrap().manage_cgroups_mode, Some(CgMode::Other(9)));
}

#[test]
fn a_field_of_the_wrong_wire_type_is_an_error() {
    // type as a length-delimited field.
    assert_eq!(Resp::decode(&hex("0a00")), Err(DecodeError::WrongWireType { field: 1, found: 2, expected: 0 }));
    // type=RESTORE success=true restore=1 (a varint, not a message).
    assert_eq!(Resp::decode(&hex("080210012001")), Err(DecodeError::WrongWireType { field: 4, found: 0, expected: 2 }));
}

#[test]
fn every_field_round_trips() {
    let opts = Opts {
        images_dir_fd: 3,
        pid: Some(-2),
        leave_running: Some(false),
        ext_unix_sk: Some(true),
        tcp_established: Some(true),
        shell_job: Some(false),
        file_locks: Some(true),
        log_level: Some(0),
        log_file: Some(String::new()),
        ps: Some(PageServerInfo { address: Some("127.0.0.1".into()), port: Some(27) }),
        notify_scripts: Some(true),
        root: Some("/run/berth/c1/rootfs".into()),
        parent_img: Some("../pre".into()),
        track_mem: Some(true),
        auto_dedup: Some(false),
        work_dir_fd: Some(4),
        link_remap: Some(false),
        ext_mnt: vec![ExtMountMap { key: "k".into(), val: "v".into() }],
        manage_cgroups: Some(true),
        cg_root: vec![CgroupRoot { ctrl: Some("cpu".into()), path: "/a".into() }, CgroupRoot::default()],
        rst_sibling: Some(true),
        inherit_fd: vec![InheritFd { key: "tty[88:0]".into(), fd: i32::MIN }],
        manage_cgroups_mode: Some(CgMode::Other(-7)),
        external: vec!["".into(), "é".into()],
        empty_ns: Some(u32::MAX),
        join_ns: vec![JoinNs { ns: "net".into(), ns_file: "/proc/1/ns/net".into() }],
        freeze_cgroup: Some("/sys/fs/cgroup/c1".into()),
        tcp_skip_in_flight: Some(true),
        lazy_pages: Some(false),
        status_fd: Some(9),
        orphan_pts_master: Some(false),
        tcp_close: Some(true),
        lsm_profile: Some("apparmor:berth".into()),
        lsm_mount_context: Some("system_u:object_r:container_file_t:s0".into()),
    };
    let req = Req {
        kind: ReqType::Other(i32::MAX),
        opts: Some(opts),
        notify_success: Some(false),
        keep_open: Some(true),
        features: Some(Features { mem_track: None, lazy_pages: Some(true), pidfd_store: Some(false) }),
    };
    assert_eq!(Req::decode(&req.encode()), Ok(req));

    let resp = Resp {
        kind: ReqType::SinglePreDump,
        success: true,
        dump: Some(DumpResp { restored: Some(false) }),
        restore: Some(RestoreResp { pid: 0 }),
        notify: Some(Notify::default()),
        cr_errno: Some(-1),
        features: Some(Features::default()),
        cr_errmsg: Some(String::new()),
        version: Some(Version {
            major_number: 4,
            minor_number: 2,
            gitid: Some("v4.2".into()),
            sublevel: Some(0),
            extra: Some(-3),
            name: Some("CRIUtical Acclaim".into()),
        }),
        status: Some(256),
    };
    assert_eq!(Resp::decode(&resp.encode()), Ok(resp));
    // Empty messages are still written: present is not absent.
    assert_eq!(Opts::decode(&Opts::default().encode()), Ok(Opts::default()));
}

#[test]
fn enum_numbers_round_trip() {
    for n in -2..=15 {
        assert_eq!(i32::from(ReqType::from(n)), n);
        assert_eq!(i32::from(CgMode::from(n)), n);
    }
    assert_eq!(ReqType::from(13), ReqType::SinglePreDump);
    assert_eq!(CgMode::from(6), CgMode::Default);
}

fn vectors() -> Vec<Vec<u8>> {
    [
        DUMP_REQ,
        RESTORE_REQ,
        NOTIFY_REQ,
        NEGATIVE_FD_REQ,
        FEATURE_REQ,
        RESTORE_RESP,
        NOTIFY_RESP,
        DUMP_FAILED_RESP,
        VERSION_RESP,
        PAGE_SERVER_RESP,
    ]
    .iter()
    .map(|s| hex(s))
    .collect()
}

fn decode_both(buf: &[u8]) {
    let _ = Req::decode(buf);
    let _ = Resp::decode(buf);
}

fn opt<T: std::fmt::Debug + Clone>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(s)
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter)
}

fn resp_strategy() -> impl Strategy<Value = Resp> {
    let head = (
        any::<i32>(),
        any::<bool>(),
        opt(opt(any::<bool>())),
        opt(any::<i32>()),
        opt((opt(text()), opt(any::<i32>()))),
    );
    let tail = (
        opt(any::<i32>()),
        opt((opt(any::<bool>()), opt(any::<bool>()), opt(any::<bool>()))),
        opt(text()),
        opt((any::<i32>(), any::<i32>(), opt(text()), opt(any::<i32>()), opt(any::<i32>()), opt(text()))),
        opt(any::<i32>()),
    );
    (head, tail).prop_map(
        |((kind, success, dump, restore, notify), (cr_errno, features, cr_errmsg, version, status))| Resp {
            kind: ReqType::from(kind),
            success,
            dump: dump.map(|restored| DumpResp { restored }),
            restore: restore.map(|pid| RestoreResp { pid }),
            notify: notify.map(|(script, pid)| Notify { script, pid }),
            cr_errno,
            features: features.map(|(mem_track, lazy_pages, pidfd_store)| Features {
                mem_track,
                lazy_pages,
                pidfd_store,
            }),
            cr_errmsg,
            version: version.map(|(major_number, minor_number, gitid, sublevel, extra, name)| Version {
                major_number,
                minor_number,
                gitid,
                sublevel,
                extra,
                name,
            }),
            status,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn any_bytes_decode_without_panic(buf in proptest::collection::vec(any::<u8>(), 0..200)) {
        decode_both(&buf);
    }

    /// Valid messages with one byte changed and cut short reach further
    /// into the decoders than random bytes do.
    #[test]
    fn damaged_messages_decode_without_panic(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let vectors = vectors();
        let mut buf = which.get(&vectors).clone();
        let at = at.index(buf.len());
        buf[at] = byte;
        decode_both(&buf);
        decode_both(&buf[..cut.index(buf.len())]);
    }

    #[test]
    fn responses_round_trip(resp in resp_strategy()) {
        prop_assert_eq!(Resp::decode(&resp.encode()), Ok(resp));
    }
}
