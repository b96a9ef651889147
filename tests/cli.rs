//! The command line engines parse: flags, version, spec, features, log formats.
mod common;
use common::*;
use std::process::Command;

fn berth(args: &[&str]) -> std::process::Output {
    Command::new(berth_bin()).args(args).output().unwrap()
}

#[test]
fn version_prints_three_lines() {
    let out = berth(&["--version"]);
    assert_ok(&out, "--version");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("berth version "), "{text}");
    assert!(lines[1].starts_with("commit: "), "{text}");
    assert!(lines[2].starts_with("spec: 1."), "{text}");
}

#[test]
fn bare_berth_prints_the_usage() {
    let out = berth(&[]);
    assert_ok(&out, "berth");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Usage: berth") && text.contains("exec"), "{text}");
}

#[test]
fn global_flags_take_both_forms_and_any_position() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("r");
    let log = dir.path().join("log.json");
    let root_eq = format!("--root={}", root.display());
    let log_eq = format!("--log={}", log.display());
    let out = berth(&[&root_eq, &log_eq, "--log-format=json", "--debug", "state", "nope"]);
    let err = assert_one_line_error(&out);
    assert!(err.contains("container does not exist"), "{err}");
    let out = berth(&[
        "state",
        "--root",
        root.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
        "--log-format",
        "json",
        "nope",
    ]);
    assert!(!out.status.success());
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&log).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "one error line per failed command");
    for l in &lines {
        assert_eq!(l["level"], "error");
        assert!(l["msg"].as_str().unwrap().contains("container does not exist"));
        assert!(l["time"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn text_log_format() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    let out = berth(&["--root", dir.path().to_str().unwrap(), "--log", log.to_str().unwrap(), "kill", "nope"]);
    assert!(!out.status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with("time=\"") && text.contains("level=error") && text.contains("container does not exist"),
        "{text}"
    );
}

#[test]
fn systemd_cgroup_is_a_clear_error_without_systemd() {
    let b = Bundle::new("systemd");
    let bundle = b.path().to_str().unwrap().to_string();
    let out = b.berth(&["--systemd-cgroup", "create", "--bundle", &bundle, &b.id]);
    let err = assert_one_line_error(&out);
    assert!(err.contains("--systemd-cgroup") && err.contains("systemd"), "{err}");
    b.assert_clean();
}

#[test]
fn rootless_flag_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let out = berth(&["--rootless", "false", "--root", dir.path().to_str().unwrap(), "list", "-q"]);
    assert_ok(&out, "--rootless false list");
}

#[test]
fn spec_writes_a_config_berth_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert_ok(&berth(&["spec", "--bundle", d]), "spec");
    let cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap()).unwrap();
    assert_eq!(cfg["root"]["path"], "rootfs");
    assert_eq!(cfg["hostname"], "berth");
    assert!(cfg["ociVersion"].as_str().unwrap().starts_with("1.2"));
    let err = assert_one_line_error(&berth(&["spec", "--bundle", d]));
    assert!(err.contains("exists"), "{err}");
    let rl = tempfile::tempdir().unwrap();
    assert_ok(&berth(&["spec", "--rootless", "--bundle", rl.path().to_str().unwrap()]), "spec --rootless");
    let cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(rl.path().join("config.json")).unwrap()).unwrap();
    let ns = cfg["linux"]["namespaces"].as_array().unwrap();
    assert!(ns.iter().any(|n| n["type"] == "user"), "{cfg}");
    assert!(!ns.iter().any(|n| n["type"] == "network"), "{cfg}");
    let uid = nix::unistd::geteuid().as_raw();
    assert_eq!(cfg["linux"]["uidMappings"], serde_json::json!([{"containerID": 0, "hostID": uid, "size": 1}]));
    assert!(cfg["linux"].get("resources").is_none(), "{cfg}");
}

#[test]
fn features_lists_what_is_supported() {
    let out = berth(&["features"]);
    assert_ok(&out, "features");
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(f["ociVersionMin"], "1.0.0");
    assert!(f["ociVersionMax"].as_str().unwrap().starts_with("1."));
    let list = |v: &serde_json::Value| {
        v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let ns = list(&f["linux"]["namespaces"]);
    for n in ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"] {
        assert!(ns.contains(&n.to_string()), "{n}");
    }
    assert_eq!(list(&f["hooks"]).len(), 6);
    let opts = list(&f["mountOptions"]);
    for o in ["rbind", "rro", "rslave", "nosymfollow", "tmpcopyup"] {
        assert!(opts.contains(&o.to_string()), "{o}");
    }
    assert!(list(&f["linux"]["capabilities"]).contains(&"CAP_SYS_ADMIN".to_string()));
}

#[test]
fn unknown_subcommand_and_missing_id_fail() {
    assert!(!berth(&["frobnicate"]).status.success());
    assert!(!berth(&["start"]).status.success());
}

/// Engines show the last error of the `--log` file: usage errors land there too.
#[test]
fn usage_errors_reach_the_json_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.json");
    let log_s = log.to_str().unwrap();
    for args in [
        vec!["--log", log_s, "--log-format", "json", "frobnicate", "x"],
        vec![&format!("--log={log_s}"), "--log-format=json", "exec", "--no-such-flag", "c", "true"],
    ] {
        let out = berth(&args);
        assert!(!out.status.success());
    }
    let lines = json_log_lines(&log);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0]["msg"].as_str().unwrap().contains("frobnicate"), "{lines:?}");
    assert!(lines[1]["msg"].as_str().unwrap().contains("--no-such-flag"), "{lines:?}");
    assert!(lines.iter().all(|l| l["level"] == "error"));
}
