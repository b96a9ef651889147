//! The compiled program checked three ways: against a plain reading of the
//! rules (last matching rule per access bit) for many rule lists and
//! devices, through hand-picked cases, and as a listing; then loaded and
//! attached on the running kernel when it lets us.

mod interp;

use super::codegen::program;
use super::rules::{for_config, parse, Rule, ACC_MKNOD, ACC_READ, ACC_WRITE, DEV_BLOCK, DEV_CHAR};
use interp::{assert_all_reachable, listing, run, Ctx};
use oci_spec::runtime::LinuxDeviceCgroup;

const M: u32 = ACC_MKNOD;
const R: u32 = ACC_READ;
const W: u32 = ACC_WRITE;
const B: u32 = DEV_BLOCK;
const C: u32 = DEV_CHAR;
const ACC_ALL: u32 = M | R | W;

fn config(json: &str) -> Vec<LinuxDeviceCgroup> {
    serde_json::from_str(json).unwrap()
}

/// Whether `rule` names this device (for the access bits it has).
fn covers(rule: &Rule, kind: u32, major: u32, minor: u32) -> bool {
    rule.kind.is_none_or(|k| k == kind)
        && rule.major.is_none_or(|m| m == major)
        && rule.minor.is_none_or(|m| m == minor)
}

/// The rules as written: for each access bit asked, the last rule naming the
/// device with that bit decides; nothing matching denies.
fn model(rules: &[Rule], kind: u32, major: u32, minor: u32, access: u32) -> bool {
    [M, R, W].into_iter().filter(|b| access & b != 0).all(|bit| {
        rules.iter().rev().find(|r| r.access & bit != 0 && covers(r, kind, major, minor)).is_some_and(|r| r.allow)
    })
}

/// Compiles `rules`, checks the program's shape, and returns a function
/// asking it about one access.
fn compiled(rules: &[Rule]) -> impl Fn(u32, u32, u32, u32) -> bool {
    let prog = program(rules).unwrap();
    assert_all_reachable(&prog);
    move |kind, major, minor, access| run(&prog, &Ctx { kind, access, major, minor })
}

#[test]
fn the_defaults_allow_berths_nodes_and_nothing_else() {
    let allowed = compiled(&for_config(&[]).unwrap());
    // /dev/null, zero, full, random, urandom, tty, ptmx, the pts.
    for (major, minor) in [(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 2), (136, 0), (136, 7)] {
        assert!(allowed(C, major, minor, R | W), "c {major}:{minor} rw");
    }
    assert!(!allowed(C, 1, 1, R), "/dev/mem");
    assert!(!allowed(C, 1, 11, W), "/dev/kmsg");
    assert!(!allowed(C, 5, 1, R), "/dev/console is not in the default list");
    assert!(!allowed(C, 10, 200, R | W), "/dev/net/tun");
    assert!(!allowed(B, 8, 0, R), "a disk");
    assert!(!allowed(B, 1, 3, R), "block 1:3 is not /dev/null");
    // Any node may be created (m), not used.
    assert!(allowed(B, 8, 0, M));
    assert!(allowed(C, 4095, 1_048_575, M));
    assert!(!allowed(B, 8, 0, M | R));
}

#[test]
fn config_rules_apply_in_order_and_the_defaults_come_last() {
    let rules = for_config(&config(
        r#"[{"allow":false,"access":"rwm"},
            {"allow":true,"type":"c","major":10,"minor":200,"access":"rw"},
            {"allow":true,"type":"b","major":8,"access":"r"},
            {"allow":false,"type":"c","major":1,"minor":3}]"#,
    ))
    .unwrap();
    let allowed = compiled(&rules);
    assert!(allowed(C, 10, 200, R | W));
    assert!(allowed(B, 8, 17, R));
    assert!(!allowed(B, 8, 17, W));
    assert!(!allowed(B, 8, 17, R | W), "one bit denied denies the access");
    assert!(!allowed(B, 9, 0, R));
    // The config's deny of /dev/null is undone by the defaults, as on v1
    // where they are written after the config's rules.
    assert!(allowed(C, 1, 3, R | W));
}

#[test]
fn the_last_matching_rule_decides_each_access_bit() {
    let rules = vec![
        parse(false, "a").unwrap(),
        parse(true, "c 1:1 rwm").unwrap(),
        parse(false, "c 1:1 w").unwrap(),
        parse(true, "c 7:* r").unwrap(),
        parse(true, "c 7:* w").unwrap(),
    ];
    let allowed = compiled(&rules);
    assert!(allowed(C, 1, 1, R));
    assert!(allowed(C, 1, 1, M));
    assert!(!allowed(C, 1, 1, W));
    assert!(!allowed(C, 1, 1, R | W));
    assert!(allowed(C, 7, 3, R | W), "two rules together allow an O_RDWR open");
    assert!(!allowed(C, 7, 3, M));
}

#[test]
fn allow_all_then_deny_one() {
    let rules = for_config(&config(
        r#"[{"allow":true,"access":"rwm"},{"allow":false,"type":"b","major":8,"minor":0,"access":"rw"}]"#,
    ))
    .unwrap();
    let allowed = compiled(&rules);
    assert!(allowed(C, 1, 1, R | W));
    assert!(allowed(B, 8, 1, R));
    assert!(!allowed(B, 8, 0, R));
    assert!(allowed(B, 8, 0, M));
}

#[test]
fn allowing_everything_compiles_to_no_checks() {
    let rules = for_config(&config(r#"[{"allow":true,"type":"a","access":"rwm"}]"#)).unwrap();
    let prog = program(&rules).unwrap();
    // The prologue, then r0 = 1; exit. No deny block: nothing jumps there.
    assert_eq!(prog.len(), 8, "{}", listing(&prog));
    assert_all_reachable(&prog);
}

#[test]
fn listing_of_a_small_program() {
    let rules = [parse(false, "a").unwrap(), parse(true, "c 1:3 rw").unwrap(), parse(true, "b *:* m").unwrap()];
    let prog = program(&rules).unwrap();
    let want = "  0: r3 = *(u32 *)(r1 + 0)
  1: w2 = w3
  2: w2 &= 0xffff
  3: w3 >>= 16
  4: r4 = *(u32 *)(r1 + 4)
  5: r5 = *(u32 *)(r1 + 8)
  6: if r3 & 0x1 goto 8
  7: goto 11
  8: if r2 != 1 goto 10
  9: goto 11
 10: goto 27
 11: if r3 & 0x2 goto 13
 12: goto 18
 13: if r2 != 2 goto 17
 14: if r4 != 1 goto 17
 15: if r5 != 3 goto 17
 16: goto 18
 17: goto 27
 18: if r3 & 0x4 goto 20
 19: goto 25
 20: if r2 != 2 goto 24
 21: if r4 != 1 goto 24
 22: if r5 != 3 goto 24
 23: goto 25
 24: goto 27
 25: r0 = 1
 26: exit
 27: r0 = 0
 28: exit
";
    assert_eq!(listing(&prog), want);
}

/// A small deterministic generator (xorshift64), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[(self.next() % from.len() as u64) as usize]
    }
}

#[test]
fn the_program_agrees_with_the_rules_for_random_lists() {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let kinds = [None, Some(B), Some(C)];
    let majors = [None, Some(1), Some(8), Some(136)];
    let minors = [None, Some(0), Some(3)];
    for _ in 0..400 {
        let len = rng.next() % 9;
        let rules: Vec<Rule> = (0..len)
            .map(|_| Rule {
                allow: rng.next() % 2 == 0,
                kind: rng.pick(&kinds),
                major: rng.pick(&majors),
                minor: rng.pick(&minors),
                access: 1 + (rng.next() % 7) as u32,
            })
            .collect();
        let allowed = compiled(&rules);
        for kind in [B, C] {
            for major in [0, 1, 8, 136, 4095] {
                for minor in [0, 3, 9] {
                    for access in 1..=ACC_ALL {
                        assert_eq!(
                            allowed(kind, major, minor, access),
                            model(&rules, kind, major, minor, access),
                            "rules {rules:?}, device {kind} {major}:{minor} access {access}\n{}",
                            listing(&program(&rules).unwrap())
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn rules_parse_from_the_v1_text() {
    assert_eq!(
        parse(true, "c 136:* rwm").unwrap(),
        Rule { allow: true, kind: Some(C), major: Some(136), minor: None, access: ACC_ALL }
    );
    assert_eq!(
        parse(false, "a").unwrap(),
        Rule { allow: false, kind: None, major: None, minor: None, access: ACC_ALL }
    );
    assert_eq!(parse(true, "b *:* m").unwrap().access, M);
    for bad in ["x 1:2 r", "c 1 r", "c 1:2 rx", "c 1:2", "c a:2 r"] {
        assert!(parse(true, bad).is_err(), "{bad}");
    }
}

#[test]
fn bad_config_rules_name_their_index() {
    for (json, want) in [
        (r#"[{"allow":true},{"allow":true,"type":"c","major":4294967296}]"#, "linux.resources.devices[1]: major"),
        (r#"[{"allow":true,"type":"c","access":"rwx"}]"#, "linux.resources.devices[0]"),
        (r#"[{"allow":true,"type":"p"}]"#, "linux.resources.devices[0]"),
    ] {
        let err = for_config(&config(json)).unwrap_err().to_string();
        assert!(err.starts_with(want), "{json}: {err}");
    }
}

/// Whether a bpf() failure means "this process may not" (rather than a
/// program the verifier refused), for the tests that need a real kernel and
/// skip without one.
fn not_permitted(e: &crate::Error) -> bool {
    !matches!(e, crate::Error::Cgroups(crate::cgroups::Error::Verifier { .. }))
        && matches!(e.errno(), Some(libc::EPERM | libc::EACCES | libc::ENOSYS))
}

#[test]
fn the_kernel_loads_the_default_program() {
    let prog = program(&for_config(&[]).unwrap()).unwrap();
    match super::load(&prog) {
        Ok(_) => {}
        Err(e) if not_permitted(&e) => eprintln!("skipped: bpf(BPF_PROG_LOAD) not permitted here: {e}"),
        Err(e) => panic!("the kernel refused the program: {e:#}\n{}", listing(&prog)),
    }
}

/// A cgroup v2 directory of our own under the first cgroup2 mount, removed
/// on drop (after the process we moved there has exited).
struct TempCgroup(std::path::PathBuf);

impl TempCgroup {
    fn new() -> Option<TempCgroup> {
        let layout = crate::cgroups::detect().ok()?;
        let v2 = layout.hierarchies.iter().find(|h| h.v2)?;
        let dir = v2.mount_point.join(format!("berth-devfilter-unit-{}", std::process::id()));
        std::fs::create_dir(&dir).ok()?;
        Some(TempCgroup(dir))
    }
}

impl Drop for TempCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Runs a shell in `cg` that opens /dev/null (a default node) and /dev/kmsg
/// (1:11, not one); returns what it could open, e.g. "null=ok kmsg=denied".
fn opens_in(cg: &TempCgroup) -> String {
    // "0" moves the writer: the shell itself, before it opens anything.
    let script = format!(
        "echo 0 > {}/cgroup.procs || exit 9; \
         (exec 3</dev/null) 2>/dev/null && echo null=ok || echo null=denied; \
         (exec 3</dev/kmsg) 2>/dev/null && echo kmsg=ok || echo kmsg=denied",
        cg.0.display()
    );
    let out = std::process::Command::new("/bin/sh").args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn an_attached_filter_is_enforced_and_a_new_one_replaces_it() {
    if !nix::unistd::geteuid().is_root() || !std::path::Path::new("/dev/kmsg").exists() {
        eprintln!("skipped: needs root and /dev/kmsg");
        return;
    }
    let Some(cg) = TempCgroup::new() else {
        eprintln!("skipped: no writable cgroup v2 hierarchy");
        return;
    };
    let allow_all = config(r#"[{"allow":true,"access":"rwm"}]"#);
    if let Err(e) = super::attach(&cg.0, &allow_all) {
        assert!(not_permitted(&e), "attach: {e:#}");
        eprintln!("skipped: {e:#}");
        return;
    }
    let attached = || super::sys::prog_query(&std::fs::File::open(&cg.0).unwrap(), super::sys::BPF_CGROUP_DEVICE);
    assert_eq!(opens_in(&cg), "null=ok kmsg=ok");
    super::attach(&cg.0, &[]).unwrap();
    assert_eq!(opens_in(&cg), "null=ok kmsg=denied");
    assert_eq!(attached().unwrap().len(), 1, "the earlier filter is detached");
    // Loosening works too: the stricter filter does not linger.
    super::attach(&cg.0, &allow_all).unwrap();
    assert_eq!(opens_in(&cg), "null=ok kmsg=ok");
    assert_eq!(attached().unwrap().len(), 1);
}
