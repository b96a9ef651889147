//! Fuzzing the parsers a caller controls: the command line, config.json
//! (loading and validation), the seccomp compiler and the mount-option
//! parser. No input may panic, and every error is one line.
//!
//! Inputs come from proptest's generators: command lines from berth's own
//! option names, verbs and random bytes; configs and seccomp profiles by
//! mutating real ones (tests/fixtures/configs, the seed corpus) node by node
//! (values replaced by odd strings, numbers at the edges, wrong types,
//! deleted keys, duplicated elements) or byte by byte.
//!
//! Each target runs for `FUZZ_SECONDS` (1 by default; `make test` gives 15
//! to each, 60 in all; `make fuzz` an hour). Every file in
//! tests/fuzz-corpus/<target>/ is replayed first. With `FUZZ_SAVE=1` an
//! input that gives an error message not seen before in the run is written
//! there, so the corpus grows toward inputs that reach new checks; a panic's
//! input is always written there, to be committed with its fix.
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn budget() -> Duration {
    let secs = std::env::var("FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    Duration::from_secs_f64(secs)
}

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus").join(target)
}

fn save(target: &str, input: &[u8], why: &str) -> PathBuf {
    let dir = corpus_dir(target);
    std::fs::create_dir_all(&dir).unwrap();
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100_0000_01b3));
    let path = dir.join(format!("{why}-{hash:016x}"));
    std::fs::write(&path, input).unwrap();
    path
}

/// Runs `check` on every corpus file, then on generated inputs until the
/// budget is spent. `check` returns the error message, if any.
/// The kind of an error, coarsely: its first words made only of letters
/// and field-path punctuation, with quoted values, numbers and indices
/// left out, so random bytes echoed back do not count as new kinds.
fn kind_of(msg: &str) -> String {
    let unquoted: String = msg.split('"').step_by(2).collect();
    let plain: String = unquoted.chars().filter(|c| !c.is_ascii_digit() && *c != '[' && *c != ']').collect();
    let words: Vec<&str> = plain
        .split_whitespace()
        .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic() || ".:_-`".contains(c)))
        .take(4)
        .collect();
    words.join(" ")
}

/// At most this many inputs saved per target and run with FUZZ_SAVE=1.
const SAVE_PER_RUN: usize = 20;

/// Runs `check` on every corpus file, then on generated inputs until the
/// budget is spent. `check` returns the error message, if any.
fn fuzz<S: Strategy>(
    target: &str,
    strategy: S,
    encode: impl Fn(&S::Value) -> Vec<u8>,
    check: impl Fn(&[u8]) -> Option<String>,
) {
    let saving = std::env::var("FUZZ_SAVE").is_ok_and(|v| v == "1");
    let mut seen = HashSet::new();
    let mut saved = 0;
    let mut run = |input: &[u8], from_corpus: bool| match catch_unwind(AssertUnwindSafe(|| check(input))) {
        Ok(Some(msg)) => {
            if msg.contains('\n') {
                let at = save(target, input, "multiline");
                panic!("{target}: an error of more than one line: {msg:?} (input saved as {})", at.display());
            }
            let small = input.len() <= 32 * 1024;
            if seen.insert(kind_of(&msg)) && saving && !from_corpus && small && saved < SAVE_PER_RUN {
                save(target, input, "msg");
                saved += 1;
            }
        }
        Ok(None) => {}
        Err(_) => panic!("{target}: panicked on an input, saved as {}", save(target, input, "crash").display()),
    };
    let mut replayed = 0;
    if let Ok(entries) = std::fs::read_dir(corpus_dir(target)) {
        for e in entries.flatten() {
            run(&std::fs::read(e.path()).unwrap(), true);
            replayed += 1;
        }
    }
    let mut runner = TestRunner::new(Config::default());
    let deadline = Instant::now() + budget();
    let mut cases = 0u64;
    while Instant::now() < deadline {
        let value = strategy.new_tree(&mut runner).unwrap().current();
        run(&encode(&value), false);
        cases += 1;
    }
    eprintln!("fuzz {target}: {replayed} corpus inputs, {cases} generated, {} error kinds", seen.len());
}

// --- the command line

const WORDS: &[&str] = &[
    "create",
    "start",
    "run",
    "state",
    "kill",
    "delete",
    "list",
    "spec",
    "features",
    "pause",
    "resume",
    "update",
    "events",
    "ps",
    "exec",
    "help",
    "--root",
    "--log",
    "--log-format",
    "--debug",
    "--systemd-cgroup",
    "--rootless",
    "--bundle",
    "-b",
    "--pid-file",
    "--console-socket",
    "--detach",
    "-d",
    "-t",
    "--tty",
    "--preserve-fds",
    "--process",
    "--env",
    "-e",
    "--user",
    "-u",
    "--cap",
    "--cwd",
    "--memory",
    "--cpu-quota",
    "--format",
    "-f",
    "--force",
    "--all",
    "-a",
    "--",
    "-",
    "--=",
    "--help",
    "-h",
    "-dt",
    "-bdir",
    "json",
    "KILL",
    "9",
    "-1",
    "c1",
    "",
];

fn argv() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let word = prop_oneof![
        3 => prop::sample::select(WORDS).prop_map(|w| w.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..12),
        1 => (prop::sample::select(WORDS), prop::collection::vec(any::<u8>(), 0..4))
            .prop_map(|(w, tail)| [w.as_bytes(), b"=", &tail].concat()),
    ];
    prop::collection::vec(word, 0..10)
}

#[test]
fn fuzz_the_command_line() {
    fuzz(
        "cli",
        argv(),
        |args| args.join(&0u8),
        |input| {
            let args: Vec<OsString> = input.split(|b| *b == 0).map(|a| OsString::from_vec(a.to_vec())).collect();
            berth::cli::parse(&args).err().map(|e| e.0)
        },
    );
}

// --- config.json and seccomp profiles, mutated from real ones

fn seeds() -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/configs");
    let mut out: Vec<Value> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
        .collect();
    out.sort_by_key(|v| v.to_string());
    out
}

const ODD_STRINGS: &[&str] = &[
    "",
    "/",
    "..",
    "../../etc",
    "/proc/self/fd/0",
    "a\u{0}b",
    "CAP_NOPE",
    "RLIMIT_NOPE",
    "SCMP_ACT_NOPE",
    "-1",
    "18446744073709551616",
    "1e999",
    "\u{202e}",
    "ro,rw",
    "=",
    "mode=0",
    "size=-1",
    "uid=4294967295",
    "0-99999",
    "   ",
    "\u{ffff}",
    "x/../../y",
];

/// One change to a JSON tree: `what` picks the kind, `at` the node, `n` and
/// `bytes` the new value.
#[derive(Debug, Clone)]
struct Mutation {
    what: u8,
    at: u32,
    n: u32,
    bytes: Vec<u8>,
}

fn mutations() -> impl Strategy<Value = (u32, Vec<Mutation>)> {
    let m = (any::<u8>(), any::<u32>(), any::<u32>(), prop::collection::vec(any::<u8>(), 0..16))
        .prop_map(|(what, at, n, bytes)| Mutation { what, at, n, bytes });
    (any::<u32>(), prop::collection::vec(m, 1..6))
}

/// Every node of the tree, as a JSON pointer.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            m.iter().for_each(|(k, c)| pointers(c, format!("{here}/{}", k.replace('~', "~0").replace('/', "~1")), out))
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| pointers(c, format!("{here}/{i}"), out)),
        _ => {}
    }
}

fn odd_number(n: u32) -> Value {
    match n % 8 {
        0 => json!(0),
        1 => json!(-1),
        2 => json!(i64::MIN),
        3 => json!(u64::MAX),
        4 => json!(1.5),
        5 => json!(i32::MAX as i64 + 1),
        6 => json!(u32::MAX),
        _ => json!(n),
    }
}

fn mutate(mut v: Value, muts: &[Mutation]) -> Vec<u8> {
    let mut raw_flips = Vec::new();
    for m in muts {
        let mut ptrs = Vec::new();
        pointers(&v, String::new(), &mut ptrs);
        let ptr = ptrs[m.at as usize % ptrs.len()].clone();
        let (parent_ptr, key) = ptr.rsplit_once('/').map(|(p, k)| (p.to_string(), k.to_string())).unwrap_or_default();
        let new = match m.what % 10 {
            0 => Some(json!(ODD_STRINGS[m.n as usize % ODD_STRINGS.len()])),
            1 => Some(json!(String::from_utf8_lossy(&m.bytes))),
            2 => Some(odd_number(m.n)),
            3 => Some(json!(m.n % 2 == 0)),
            4 => Some(Value::Null),
            5 => Some(if m.n % 2 == 0 { json!([]) } else { json!({}) }),
            6 => {
                // Delete the node from its object, or duplicate it in its array.
                match v.pointer_mut(&parent_ptr) {
                    Some(Value::Object(o)) => {
                        o.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(a)) if !a.is_empty() => {
                        let i = key.parse::<usize>().unwrap_or(0).min(a.len() - 1);
                        let dup = a[i].clone();
                        a.push(dup);
                    }
                    _ => {}
                }
                None
            }
            7 => Some(json!(ODD_STRINGS[m.n as usize % ODD_STRINGS.len()].repeat(1 + (m.n as usize % 3) * 2000))),
            _ => {
                raw_flips.push((m.n, m.bytes.first().copied().unwrap_or(0)));
                None
            }
        };
        if let (Some(new), Some(slot)) = (new, v.pointer_mut(&ptr)) {
            *slot = new;
        }
    }
    let mut text = serde_json::to_vec(&v).unwrap();
    for (at, byte) in raw_flips {
        let i = at as usize % text.len().max(1);
        if let Some(b) = text.get_mut(i) {
            *b = byte;
        }
    }
    text
}

#[test]
fn fuzz_config_loading_and_validation() {
    let seeds = seeds();
    let bundle = tempfile::tempdir().unwrap();
    std::fs::create_dir(bundle.path().join("rootfs")).unwrap();
    fuzz(
        "config",
        mutations(),
        |(seed, muts)| mutate(seeds[*seed as usize % seeds.len()].clone(), muts),
        |input| {
            let loaded = match berth::spec::load::parse(input) {
                Ok(l) => l,
                Err(e) => return Some(format!("{e:#}")),
            };
            let mut spec = loaded.spec;
            // Every fixture's rootfs is "rootfs" in our bundle.
            if let Some(mut root) = spec.root().clone() {
                root.set_path(PathBuf::from("rootfs"));
                spec.set_root(Some(root));
            }
            berth::spec::validate::validate(&spec, bundle.path()).err().map(|e| format!("{e:#}"))
        },
    );
}

#[test]
fn fuzz_the_seccomp_compiler() {
    let profiles: Vec<Value> = seeds().into_iter().filter_map(|s| s["linux"].get("seccomp").cloned()).collect();
    assert!(!profiles.is_empty(), "no fixture has a seccomp profile");
    fuzz(
        "seccomp",
        mutations(),
        |(seed, muts)| mutate(profiles[*seed as usize % profiles.len()].clone(), muts),
        |input| {
            // Read as berth reads it: inside a config.
            let config = [&br#"{"ociVersion":"1.0.0","linux":{"seccomp":"#[..], input, b"}}"].concat();
            let spec = match berth::spec::load::parse(&config) {
                Ok(l) => l.spec,
                Err(e) => return Some(format!("{e:#}")),
            };
            let profile = spec.linux().as_ref().and_then(|l| l.seccomp().clone())?;
            berth::security::seccomp::compile(&profile).err().map(|e| format!("{e:#}"))
        },
    );
}

#[test]
fn fuzz_the_mount_options() {
    let known = berth::rootfs::options::known_options();
    let option = prop_oneof![
        3 => prop::sample::select(known.clone()).prop_map(String::from),
        1 => prop::sample::select(ODD_STRINGS).prop_map(String::from),
        1 => (prop::sample::select(known), prop::collection::vec(any::<u8>(), 0..6))
            .prop_map(|(k, v)| format!("{k}={}", String::from_utf8_lossy(&v))),
    ];
    fuzz(
        "mount-options",
        prop::collection::vec(option, 0..8),
        |opts| opts.join("\n").into_bytes(),
        |input| {
            let opts: Vec<String> = String::from_utf8_lossy(input).split('\n').map(String::from).collect();
            berth::rootfs::options::parse(&opts).err().map(|e| format!("{e:#}"))
        },
    );
}
