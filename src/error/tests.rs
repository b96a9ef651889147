//! The typed errors of every module: their words (engines and tests match
//! some of them), the subjects they sit under, and their crossing of the
//! sync socket.

use crate::error::{OsError, SysError};
use crate::state::Status;
use crate::Error;
use crate::{commands, process, rootfs, security, spec};
use std::path::Path;

fn round_trip(e: &Error) -> Error {
    serde_json::from_slice(&serde_json::to_vec(e).unwrap()).unwrap()
}

#[test]
fn invalid_config_wraps_the_finding() {
    let e = Error::invalid_config(Error::field("process.cwd", "\"rel\" must be an absolute path"));
    assert_eq!(e.to_string(), "invalid configuration: process.cwd: \"rel\" must be an absolute path");
    assert_eq!(e.config_field(), Some("process.cwd"));
    assert_eq!(round_trip(&e).to_string(), e.to_string());
}

#[test]
fn namespace_files() {
    let e = spec::Error::NotNamespace { path: "/etc/hostname".into(), kind: None };
    assert_eq!(e.to_string(), "/etc/hostname is not a namespace file");
    let e = spec::Error::NotNamespace { path: "/proc/self/ns/ipc".into(), kind: Some("network".into()) };
    assert_eq!(e.to_string(), "/proc/self/ns/ipc is not a network namespace");
}

#[test]
fn a_failed_mount_names_it_and_crosses_the_sync_socket() {
    let os = SysError::new("mount", None, OsError::Errno(libc::EPERM));
    let e = Error::Mount { index: 2, what: "tmpfs".into(), dest: "run".into(), reason: Box::new(os.into()) };
    assert_eq!(e.to_string(), "mounts[2] (tmpfs on /run): mount: Operation not permitted (os error 1)");
    assert_eq!(e.errno(), Some(libc::EPERM));
    let back = round_trip(&e);
    assert_eq!(back.to_string(), e.to_string());
    assert_eq!(back.errno(), Some(libc::EPERM));
}

#[test]
fn what_is_in_the_way_is_named() {
    use rootfs::error::{FileKind, Refusal};
    let e =
        rootfs::Error::InTheWay { path: "/dev/console".into(), found: FileKind::Symlink, refused: Refusal::MountOver };
    assert_eq!(e.to_string(), "/dev/console: a symlink; refusing to mount over it");
    let e = rootfs::Error::NotTheDevice {
        path: "/dev/null".into(),
        found: FileKind::Regular,
        device: "null device".into(),
    };
    assert_eq!(e.to_string(), "/dev/null: a regular file, not the null device");
}

#[test]
fn protocol_breaks_say_what_was_awaited_and_what_came() {
    let e = process::Error::protocol("Go", Some(&"HooksDone"));
    assert_eq!(e.to_string(), "waiting for Go: unexpected \"HooksDone\"");
    let e = process::Error::protocol("hooks", None::<&()>);
    assert_eq!(e.to_string(), "waiting for hooks: the other side went away");
}

#[test]
fn a_dead_init_says_how_it_ended_and_crosses_the_sync_socket() {
    use process::error::Ended;
    let e = Error::from(process::Error::InitDied { status: Ended::Killed(libc::SIGKILL) });
    assert_eq!(e.to_string(), "container init exited during setup (killed by SIGKILL)");
    assert_eq!(round_trip(&e).to_string(), e.to_string());
    assert_eq!(Ended::Exited(3).to_string(), "exit status 3");
}

#[test]
fn a_sync_failure_keeps_its_errno() {
    let e = Error::sync(SysError::new("send", None, OsError::Errno(libc::EPIPE)));
    assert_eq!(e.to_string(), "sync: send: Broken pipe (os error 32)");
    assert_eq!(e.errno(), Some(libc::EPIPE));
}

#[test]
fn exit_statuses_are_found_under_subjects() {
    let e = Error::container("c", process::Error::NotFound { program: "x".into() });
    assert_eq!(e.exit_code(), Some(127));
    let e = Error::field("process.cwd", process::Error::RuntimeBinary { program: "/berth".into() });
    assert_eq!(e.exit_code(), None);
}

#[test]
fn wrong_status_keeps_the_words_engines_match() {
    let text = |verb, status| Error::from(commands::Error::wrong_status(verb, status)).to_string();
    assert_eq!(text("delete", Status::Running), "cannot delete a container that is running (use --force)");
    assert_eq!(text("start", Status::Running), "cannot start an already running container");
    assert_eq!(text("start", Status::Stopped), "cannot start a container that has stopped");
    assert!(text("exec", Status::Stopped).contains("container not running"));
    assert!(text("kill", Status::Creating).contains("container not running"));
    assert!(text("pause", Status::Stopped).contains("is not running"));
    assert!(text("update", Status::Stopped).contains("is not running"));
    assert!(text("events", Status::Creating).contains("is not running"));
    assert!(text("resume", Status::Running).contains("is not paused"));
}

#[test]
fn a_refusal_survives_the_sync_socket() {
    let e = Error::container("c", commands::Error::wrong_status("delete", Status::Paused));
    let back = round_trip(&e);
    assert_eq!(back.to_string(), "container \"c\": cannot delete a container that is paused (use --force)");
    assert!(matches!(
        back.chain().last(),
        Some(Error::Commands(commands::Error::WrongStatus { status: Status::Paused, .. }))
    ));
}

#[test]
fn preserved_fds() {
    let e = commands::Error::FdNotOpen { preserve: 5, listen: 0, fd: 4 };
    assert_eq!(e.to_string(), "--preserve-fds 5: fd 4 is not open");
    let e = commands::Error::FdNotOpen { preserve: 1, listen: 2, fd: 3 };
    assert_eq!(e.to_string(), "--preserve-fds 1 with LISTEN_FDS=2: fd 3 is not open");
}

#[test]
fn a_refused_filter_says_what_it_needs() {
    let install = |flags, errno| security::Error::Install { instructions: 12, flags, os: OsError::Errno(errno) };
    let e = Error::field("linux.seccomp", install(0, libc::EACCES));
    assert_eq!(
        e.to_string(),
        "linux.seccomp: installing the filter (12 instructions, flags 0x0): Permission denied (os error 13) \
         (needs no_new_privs or CAP_SYS_ADMIN)"
    );
    let e = install(1, libc::EINVAL);
    assert_eq!(e.to_string(), "installing the filter (12 instructions, flags 0x1): Invalid argument (os error 22)");
}

#[test]
fn subjects_read_outermost_first() {
    let e = Error::container(
        "c1",
        Error::field("mounts[2].source", SysError::new("open", Some(Path::new("/x")), OsError::Errno(libc::ENOENT))),
    );
    assert_eq!(e.to_string(), "container \"c1\": mounts[2].source: open /x: No such file or directory (os error 2)");
    assert_eq!(e.config_field(), Some("mounts[2].source"));
    assert_eq!(e.errno(), Some(libc::ENOENT));
}

#[test]
fn an_error_survives_the_sync_socket() {
    let e = Error::field("process.cwd", SysError::new("chdir", Some(Path::new("/nope")), OsError::Errno(libc::ENOENT)));
    let back: Error = serde_json::from_slice(&serde_json::to_vec(&e).unwrap()).unwrap();
    assert_eq!(back.to_string(), e.to_string());
    assert_eq!(back.errno(), Some(libc::ENOENT));
}
