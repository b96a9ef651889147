//! Bytes that are not UTF-8, in every argument position and in config.json.
//! Engines pass arbitrary bytes in exec arguments and paths, and a runtime
//! that panics on them (exit 134 or 101) can leave half-made state. Where
//! the kernel takes bytes (paths, exec's command) berth passes them through;
//! where it needs text (ids, signals, numbers, names) the value is a
//! one-line error that shows the bytes escaped, exit status 2, and nothing
//! is left behind.
//!
//! Against a build that read its arguments with env::args() (berth 34eacf5),
//! every case here panics with exit status 101.
mod common;
use common::*;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::process::{Command, Output};

fn raw(b: &[u8]) -> OsString {
    OsString::from_vec(b.to_vec())
}

fn berth_os(b: &Bundle, args: &[OsString]) -> Output {
    let mut cmd = b.raw_cmd();
    cmd.args(args);
    output_via_files(cmd, b.path())
}

fn assert_usage_error_showing_bytes(out: &Output, what: &str) {
    assert_eq!(out.status.code(), Some(2), "{what}: {out:?}");
    let line = assert_one_line_error(out);
    assert!(line.contains("\\xFF"), "{what}: the bytes are not shown escaped: {line}");
}

fn assert_nothing_left(b: &Bundle) {
    b.assert_clean();
    b.assert_no_process();
    let left: Vec<_> =
        std::fs::read_dir(&b.root).map(|d| d.flatten().map(|e| e.file_name()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "--root holds {left:?}");
}

#[test]
fn an_id_that_is_not_utf8_is_a_usage_error_for_every_verb() {
    let b = Bundle::new("bytes-id");
    b.write_config();
    let id = raw(b"x\xff");
    let bundle: OsString = b.path().into();
    for verb in ["state", "start", "kill", "delete", "pause", "resume", "ps", "events", "update", "exec"] {
        let mut args = vec![OsString::from(verb), id.clone()];
        if verb == "exec" {
            args.push("true".into());
        }
        assert_usage_error_showing_bytes(&berth_os(&b, &args), verb);
    }
    for verb in ["create", "run"] {
        let out = berth_os(&b, &[verb.into(), "--bundle".into(), bundle.clone(), id.clone()]);
        assert_usage_error_showing_bytes(&out, verb);
        assert_nothing_left(&b);
    }
}

#[test]
fn values_berth_needs_as_text_are_usage_errors_naming_the_flag() {
    let b = Bundle::new("bytes-values");
    for (args, flag) in [
        (vec![raw(b"kill"), raw(b"c"), raw(b"\xff")], "signal"),
        (vec![raw(b"exec"), raw(b"--env"), raw(b"A=\xff"), raw(b"c"), raw(b"true")], "--env"),
        (vec![raw(b"exec"), raw(b"--user"), raw(b"\xff"), raw(b"c"), raw(b"true")], "--user"),
        (vec![raw(b"update"), raw(b"--memory"), raw(b"1\xff"), raw(b"c")], "--memory"),
        (vec![raw(b"--log-format"), raw(b"js\xffon"), raw(b"list")], "--log-format"),
        (vec![raw(b"\xff")], "command"),
        (vec![raw(b"--r\xffoot"), raw(b"list")], "option"),
        (vec![raw(b"-\xff"), raw(b"list")], "option"),
    ] {
        let out = berth_os(&b, &args);
        assert_usage_error_showing_bytes(&out, flag);
        let line = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(line.contains(flag), "{args:?}: {line} does not name {flag}");
    }
    assert_nothing_left(&b);
}

/// Paths are bytes: a bundle, --root, --pid-file and --log whose names are
/// not UTF-8 work as any others.
#[test]
fn paths_that_are_not_utf8_work() {
    let mut b = Bundle::new("bytes-paths");
    b.args(&["/bin/true"]);
    b.write_config();
    let dir = b.path().as_os_str().as_bytes().to_vec();
    let with = |name: &[u8]| raw(&[dir.as_slice(), b"/", name].concat());
    let bundle = with(b"bundle-\xff");
    std::os::unix::fs::symlink(b.path(), &bundle).unwrap();
    let root = with(b"root-\xff");
    let (pid_file, log) = (with(b"pid-\xff"), with(b"log-\xff"));
    let out = Command::new(berth_bin())
        .arg("--root")
        .arg(&root)
        .arg("--log")
        .arg(&log)
        .args([OsStr::new("run"), OsStr::new("--pid-file"), &pid_file, OsStr::new("--bundle"), &bundle])
        .arg(&b.id)
        .output()
        .unwrap();
    assert_ok(&out, "run with byte paths");
    assert!(std::path::Path::new(&pid_file).exists(), "no pid file at the byte path");
    let list = Command::new(berth_bin()).arg("--root").arg(&root).args(["list", "-q"]).output().unwrap();
    assert_ok(&list, "list under a byte --root");
    b.assert_clean();
}

/// exec's command reaches execve byte for byte.
#[test]
fn exec_passes_arguments_as_bytes() {
    let mut b = Bundle::new("bytes-exec");
    b.args(&["sleep", "60"]);
    let bundle = b.bundle_arg();
    assert_ok(&b.berth(&["run", "-d", "--bundle", &bundle, &b.id]), "run -d");
    b.wait_status("running");
    let out = berth_os(&b, &[raw(b"exec"), b.id.clone().into(), raw(b"/bin/echo"), raw(b"a\xffb")]);
    assert_ok(&out, "exec with a byte argument");
    assert_eq!(out.stdout, b"a\xffb\n");
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete --force");
    assert_nothing_left(&b);
}

/// config.json is JSON, which is UTF-8: raw bytes or a lone surrogate in a
/// string are a one-line error, exit status 1, and nothing is made.
#[test]
fn config_strings_that_are_not_utf8_are_refused() {
    for (name, bytes) in [("raw", &b"\"host\xffname\""[..]), ("surrogate", b"\"\\ud800\"")] {
        let b = Bundle::new(&format!("bytes-config-{name}"));
        b.write_config();
        let text = std::fs::read(b.path().join("config.json")).unwrap();
        let text = String::from_utf8(text).unwrap().replace("\"probe-host\"", "@");
        let parts: Vec<&str> = text.splitn(2, '@').collect();
        let config = [parts[0].as_bytes(), bytes, parts[1].as_bytes()].concat();
        std::fs::write(b.path().join("config.json"), config).unwrap();
        let out = berth_os(&b, &[raw(b"run"), raw(b"--bundle"), b.path().into(), b.id.clone().into()]);
        assert_eq!(out.status.code(), Some(1), "{name}: {out:?}");
        let line = assert_one_line_error(&out);
        assert!(line.contains("config.json"), "{name}: {line}");
        assert_nothing_left(&b);
    }
}
