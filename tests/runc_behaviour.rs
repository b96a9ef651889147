//! Where engines and scripts rely on runc's behaviour (issue 17's list),
//! one test per item, named by its number. Each checks from inside the
//! container where the item is about what the container sees.
mod common;
use common::*;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;

fn running(name: &str, change: impl FnOnce(&mut Bundle)) -> Bundle {
    let mut b = Bundle::new(name);
    b.args(&["sleep", "60"]);
    change(&mut b);
    let bundle = b.bundle_arg();
    assert_ok(&b.berth(&["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
    b.wait_status("running");
    b
}

fn stop(b: &Bundle) {
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete --force");
    b.assert_clean();
    b.assert_no_process();
}

fn all_sets(caps: &[&str]) -> Value {
    json!({"bounding": caps, "effective": caps, "permitted": caps, "inheritable": caps, "ambient": caps})
}

/// 3: a user holding CAP_DAC_OVERRIDE may exec a program only root's mode
/// bits allow; execve decides, not a prediction of it.
#[test]
fn item_03_exec_permission_is_left_to_execve() {
    let mut b = Bundle::new("r17-dac");
    let private = b.rootfs().join("probe-root-only");
    std::fs::copy(b.rootfs().join("probe"), &private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000});
    b.config["process"]["capabilities"] = all_sets(&["CAP_DAC_OVERRIDE"]);
    b.config["process"]["noNewPrivileges"] = json!(false);
    b.args(&["/probe-root-only", "report"]);
    let out = b.run();
    assert_ok(&out, "run a 0700 root program as uid 1000 with CAP_DAC_OVERRIDE");
    assert_eq!(parse_json_line(&out.stdout)["uid"], 1000);
    b.assert_clean();
}

/// 5: `exec --user 0` into a cwd only another uid may enter: the directory
/// is entered while the process still holds its privileges, as runc does.
#[test]
fn item_05_exec_enters_the_cwd_before_dropping_privileges() {
    let b = running("r17-cwd", |b| {
        let home = b.rootfs().join("home/u");
        std::fs::create_dir_all(&home).unwrap();
        std::os::unix::fs::chown(&home, Some(1000), Some(1000)).unwrap();
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000});
        b.config["process"]["cwd"] = json!("/home/u");
    });
    let out = b.berth(&["exec", "--user", "0", &b.id, "/probe", "report"]);
    assert_ok(&out, "exec --user 0 into a 0700 cwd of uid 1000");
    let r = parse_json_line(&out.stdout);
    assert_eq!((&r["uid"], &r["cwd"]), (&json!(0), &json!("/home/u")));
    stop(&b);
}

/// 13: startContainer hooks run under the container's seccomp filter.
#[test]
fn item_13_start_container_hooks_run_under_the_filter() {
    let mut b = Bundle::new("r17-hook-filter");
    b.config["linux"]["seccomp"] = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
    });
    b.config["hooks"] = json!({"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "/probe syscall 110 > /hook-out"]}
    ]});
    b.args(&["/bin/true"]);
    assert_ok(&b.run(), "run");
    let v: Value = serde_json::from_slice(&std::fs::read(b.rootfs().join("hook-out")).unwrap()).unwrap();
    assert_eq!(v["errno"], 1, "the hook's getppid was not filtered: {v}");
    b.assert_clean();
}

/// 20: a startContainer hook without `env` gets the container's
/// environment, as runc gives it, so a plain `sh -c` hook finds its tools.
#[test]
fn item_20_hooks_without_env_get_the_containers_environment() {
    let mut b = Bundle::new("r17-hook-env");
    b.config["process"]["env"] = json!(["PATH=/bin:/usr/bin", "FROM_CONFIG=yes"]);
    b.config["hooks"] = json!({"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "echo \"$PATH $FROM_CONFIG\" > /hook-env; true"]}
    ]});
    b.args(&["/bin/true"]);
    assert_ok(&b.run(), "run");
    assert_eq!(std::fs::read_to_string(b.rootfs().join("hook-env")).unwrap(), "/bin:/usr/bin yes\n");
    b.assert_clean();
}
