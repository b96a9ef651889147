//! Configs that real tools wrote on this machine (tests/fixtures/configs; its
//! README says how each was made) run under berth outside their engine, and
//! the container sees what each config says: capabilities, user, rlimits,
//! mounts, namespaces, hostname, environment, no_new_privs, seccomp.
//!
//! Each fixture is changed only where it names things of the engine's run:
//! the rootfs, bind sources, the cgroup, hooks that call the engine, and the
//! program (the probe instead of the image's).
//!
//! `runc_sees_the_same` (ignored: it needs Debian's runc) runs every fixture
//! under runc too and compares what the two containers report.
mod common;
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const FIXTURES: [&str; 7] = ["runc-spec", "crun-spec", "podman", "docker", "ctr", "umoci", "buildah"];

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/configs/{name}.json"));
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// The fixture as a bundle of ours: what the config says of the container
/// is kept, what names the engine's own run is replaced.
fn bundle_for(name: &str) -> Bundle {
    let mut b = Bundle::new(&format!("real-{name}"));
    let mut c = fixture(name);
    c["root"]["path"] = json!("rootfs");
    c["process"]["args"] = json!(["/probe", "report"]);
    c["process"]["terminal"] = json!(false);
    c.as_object_mut().unwrap().remove("hooks");
    c["linux"]["cgroupsPath"] = json!(b.cgroup);
    for ns in c["linux"]["namespaces"].as_array_mut().unwrap() {
        ns.as_object_mut().unwrap().remove("path");
    }
    for (i, m) in c["mounts"].as_array_mut().unwrap().iter_mut().enumerate() {
        if m["type"] == "bind" || m["options"].as_array().is_some_and(|o| o.iter().any(|o| o == "bind" || o == "rbind"))
        {
            m["source"] = json!(bind_source(&b, i, m["destination"].as_str().unwrap()));
        }
    }
    b.config = c;
    b
}

/// Engines bind files over /etc/hosts and the like, directories elsewhere.
fn bind_source(b: &Bundle, i: usize, destination: &str) -> String {
    let src = b.path().join(format!("bind-{i}"));
    if destination.starts_with("/etc/") || destination.ends_with(".containerenv") {
        std::fs::write(&src, format!("written for {destination}\n")).unwrap();
    } else if destination == "/sys" {
        return "/sys".into();
    } else {
        std::fs::create_dir(&src).unwrap();
    }
    src.to_str().unwrap().to_string()
}

fn known_caps(config: &Value, set: &str) -> BTreeSet<String> {
    let names = config["process"]["capabilities"][set].as_array().cloned().unwrap_or_default();
    names.iter().filter_map(|n| n.as_str()).map(String::from).collect()
}

/// The sets the kernel ends up with: ambient only where it is both permitted
/// and inheritable, inheritable only inside bounding (runtime-spec, runc).
fn expected_caps(config: &Value) -> Vec<(&'static str, BTreeSet<String>)> {
    let set = |s| known_caps(config, s);
    let inheritable: BTreeSet<String> = set("inheritable").intersection(&set("bounding")).cloned().collect();
    let ambient = set("ambient").intersection(&set("permitted")).cloned().collect::<BTreeSet<_>>();
    let ambient = ambient.intersection(&inheritable).cloned().collect();
    vec![
        ("bounding", set("bounding")),
        ("effective", set("effective")),
        ("permitted", set("permitted")),
        ("inheritable", inheritable),
        ("ambient", ambient),
    ]
}

fn proc_ns_name(t: &str) -> &str {
    match t {
        "network" => "net",
        "mount" => "mnt",
        other => other,
    }
}

/// Everything the config says that a process can see of itself.
fn assert_report_matches(name: &str, config: &Value, r: &Value) {
    let p = &config["process"];
    for (set, want) in expected_caps(config) {
        let got: BTreeSet<String> = caps_of(r, set).into_iter().collect();
        assert_eq!(got, want, "{name}: capabilities.{set}");
    }
    assert_eq!(r["uid"], p["user"]["uid"], "{name}: uid");
    assert_eq!(r["gid"], p["user"]["gid"], "{name}: gid");
    for g in p["user"]["additionalGids"].as_array().cloned().unwrap_or_default() {
        assert!(r["groups"].as_array().unwrap().contains(&g), "{name}: additional gid {g} not in {}", r["groups"]);
    }
    if let Some(umask) = p["user"]["umask"].as_u64() {
        assert_eq!(r["umask"], umask, "{name}: umask");
    }
    for rl in p["rlimits"].as_array().cloned().unwrap_or_default() {
        let got = &r["rlimits"][rl["type"].as_str().unwrap()];
        assert_eq!((&got["soft"], &got["hard"]), (&rl["soft"], &rl["hard"]), "{name}: {}", rl["type"]);
    }
    for e in p["env"].as_array().cloned().unwrap_or_default() {
        assert!(r["env"].as_array().unwrap().contains(&e), "{name}: env {e} missing");
    }
    assert_eq!(r["cwd"], p["cwd"], "{name}: cwd");
    assert_eq!(r["no_new_privs"], json!(p["noNewPrivileges"].as_bool().unwrap_or(false)), "{name}: no_new_privs");
    if config["linux"].get("seccomp").is_some() {
        assert_eq!(r["seccomp"], 2, "{name}: the seccomp filter is on");
    }
    if let Some(h) = config["hostname"].as_str() {
        assert_eq!(r["hostname"], h, "{name}: hostname");
    }
    for ns in config["linux"]["namespaces"].as_array().unwrap() {
        let t = proc_ns_name(ns["type"].as_str().unwrap());
        assert_ne!(r["namespaces"][t], json!(ns_inode("self", t)), "{name}: a new {t} namespace");
    }
    assert_mounts_match(name, config, r);
}

fn assert_mounts_match(name: &str, config: &Value, r: &Value) {
    for m in config["mounts"].as_array().unwrap() {
        let mut dest = m["destination"].as_str().unwrap().to_string();
        if m["type"] == "cgroup" && !Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
            // On v1 the hierarchies under a tmpfs carry the flags (runc
            // leaves the tmpfs itself writable).
            dest += "/memory";
        }
        let dest = dest.as_str();
        let got = mount_at(r, dest).unwrap_or_else(|| panic!("{name}: nothing mounted at {dest}"));
        let ro = m["options"].as_array().is_some_and(|o| o.contains(&json!("ro")));
        let got_ro = got["options"].as_str().unwrap().split(',').any(|o| o == "ro");
        assert_eq!(got_ro, ro, "{name}: {dest} read-only: {got}");
    }
    if config["root"]["readonly"] == true {
        let root = mount_at(r, "/").unwrap();
        assert!(root["options"].as_str().unwrap().split(',').any(|o| o == "ro"), "{name}: / read-only: {root}");
    }
    for path in config["linux"]["readonlyPaths"].as_array().cloned().unwrap_or_default() {
        let path = path.as_str().unwrap();
        if Path::new(path).exists() {
            let got = mount_at(r, path).unwrap_or_else(|| panic!("{name}: readonly path {path} not mounted"));
            assert!(got["options"].as_str().unwrap().starts_with("ro"), "{name}: {path} read-only: {got}");
        }
    }
    for path in config["linux"]["maskedPaths"].as_array().cloned().unwrap_or_default() {
        let path = path.as_str().unwrap();
        if Path::new(path).exists() {
            assert!(mount_at(r, path).is_some(), "{name}: masked path {path} not covered");
        }
    }
}

fn runs_as_written(name: &str) {
    let b = bundle_for(name);
    check_runs_as_written(name, b);
}

fn check_runs_as_written(name: &str, mut b: Bundle) {
    let config = b.config.clone();
    let report = b.report();
    assert_report_matches(name, &config, &report);
    b.assert_clean();
}

/// `berth spec` writes runc's default with berth's name and spec version,
/// and it runs as written.
#[test]
fn berths_own_spec_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(berth_bin()).args(["spec", "--bundle", dir.path().to_str().unwrap()]).output().unwrap();
    assert_ok(&out, "berth spec");
    let ours: Value = serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap()).unwrap();
    let version = Command::new(berth_bin()).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout).to_string();
    assert!(version.contains(&format!("spec: {}", ours["ociVersion"].as_str().unwrap())), "{version} vs {ours}");
    assert_eq!(ours["hostname"], "berth");
    let caps = &ours["process"]["capabilities"];
    assert!(caps.get("inheritable").is_none() && caps.get("ambient").is_none(), "CVE-2022-29162: {caps}");
    let mut b = Bundle::new("real-berth-spec");
    let mut c = ours;
    c["process"]["args"] = json!(["/probe", "report"]);
    c["process"]["terminal"] = json!(false);
    c["linux"]["cgroupsPath"] = json!(b.cgroup);
    b.config = c;
    check_runs_as_written("berth spec", b);
}

#[test]
fn runc_spec_runs_as_written() {
    runs_as_written("runc-spec");
}

#[test]
fn crun_spec_runs_as_written() {
    runs_as_written("crun-spec");
}

#[test]
fn podmans_config_runs_as_written() {
    runs_as_written("podman");
}

#[test]
fn dockers_config_runs_as_written() {
    runs_as_written("docker");
}

#[test]
fn ctrs_config_runs_as_written() {
    runs_as_written("ctr");
}

#[test]
fn umocis_config_runs_as_written() {
    runs_as_written("umoci");
}

#[test]
fn buildahs_config_runs_as_written() {
    runs_as_written("buildah");
}

/// A stock config's ambient capabilities that are not inheritable are not
/// raised, with a warning that names them, in the JSON log too.
#[test]
fn runc_spec_ambient_caps_are_a_warning_in_the_json_log() {
    let b = bundle_for("runc-spec");
    let log = b.path().join("log.json");
    let bundle = b.path().to_str().unwrap().to_string();
    let out = b.berth(&["--log", log.to_str().unwrap(), "--log-format", "json", "run", "--bundle", &bundle, &b.id]);
    assert_ok(&out, "run runc spec");
    let warnings = log_messages(&log, "warning");
    assert!(
        warnings.iter().any(|w| w.contains("process.capabilities.ambient") && w.contains("CAP_KILL")),
        "{warnings:?}"
    );
}

/// runc on the same fixtures, as the control: what berth's containers
/// report is what runc's report.
#[test]
#[ignore = "needs Debian's runc: cargo test --test real_configs -- --ignored"]
fn runc_sees_the_same() {
    for name in FIXTURES {
        let mut b = bundle_for(name);
        let config = b.config.clone();
        let ours = b.report();
        b.write_config();
        let runc_root = b.path().join("runc-state");
        let out = Command::new("runc")
            .arg("--root")
            .arg(&runc_root)
            .args(["run", "--bundle", b.path().to_str().unwrap(), &format!("{}-runc", b.id)])
            .output()
            .unwrap();
        assert_ok(&out, &format!("{name} under runc"));
        let theirs = parse_json_line(&out.stdout);
        assert_report_matches(&format!("{name} (runc)"), &config, &theirs);
        for set in ["bounding", "effective", "permitted", "inheritable", "ambient"] {
            assert_eq!(caps_of(&ours, set), caps_of(&theirs, set), "{name}: {set} differs from runc's");
        }
        for key in
            ["uid", "euid", "gid", "egid", "groups", "umask", "rlimits", "cwd", "no_new_privs", "seccomp", "hostname"]
        {
            assert_eq!(ours[key], theirs[key], "{name}: {key} differs from runc's");
        }
    }
}
