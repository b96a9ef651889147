//! `checkpoint` and `restore` (issue 13) where they can be judged on any
//! host: refusals before CRIU is asked, and on a host where CRIU cannot
//! work (this one: Debian's CRIU 3.17 fails `criu check` on kernel 6.18),
//! one line naming `criu check` and its cause with the container untouched.
//! The checkpoints themselves run in the guest (tests/checkpoint_vm.rs).
mod common;
use common::*;
use serde_json::json;
use std::path::Path;

#[test]
fn where_criu_cannot_work_checkpoint_says_so_and_the_container_runs_on() {
    let why = match criu_check() {
        Criu::Fails(why) => why,
        Criu::Works => return eprintln!("SKIP: criu check passes on this host; the guest's tests cover checkpoints"),
        Criu::Missing => return eprintln!("SKIP: criu is not installed (make test installs it)"),
    };
    let b = running("ckpt-unusable", |_| {});
    let images = b.path().join("images");
    let out = b.berth(&["checkpoint", "--image-path", images.to_str().unwrap(), &b.id]);
    let err = assert_one_line_error(&out);
    assert!(err.contains("criu check") && err.contains(&b.id), "{err}");
    let first = why.lines().next().unwrap_or_default();
    let cause = first.split_once("): ").map_or(first, |(_, c)| c);
    assert!(err.contains(cause), "the cause {cause:?} is not named: {err}");
    assert_eq!(b.state()["status"], "running", "the container was touched");
    assert_ok(&b.berth(&["exec", &b.id, "true"]), "exec after the failed checkpoint");
    stop(&b);
}

#[test]
fn only_a_running_container_is_checkpointed() {
    let b = running("ckpt-paused", |_| {});
    let images = b.path().join("images");
    let images = images.to_str().unwrap();
    assert_ok(&b.berth(&["pause", &b.id]), "pause");
    let err = assert_one_line_error(&b.berth(&["checkpoint", "--image-path", images, &b.id]));
    assert!(err.contains("paused") && err.contains(&b.id), "{err}");
    assert_eq!(b.state()["status"], "paused");
    assert_ok(&b.berth(&["resume", &b.id]), "resume");
    assert_ok(&b.berth(&["kill", &b.id, "KILL"]), "kill");
    b.wait_status("stopped");
    let err = assert_one_line_error(&b.berth(&["checkpoint", "--image-path", images, &b.id]));
    assert!(err.contains("stopped"), "{err}");
    assert!(!Path::new(images).join("inventory.img").exists());
    stop(&b);
}

#[test]
fn an_image_path_that_cannot_be_made_is_named() {
    let b = running("ckpt-badpath", |_| {});
    let under_a_file = b.path().join("config.json").join("images");
    let err = assert_one_line_error(&b.berth(&["checkpoint", "--image-path", under_a_file.to_str().unwrap(), &b.id]));
    assert!(err.contains("--image-path") && err.contains("config.json/images"), "{err}");
    assert_eq!(b.state()["status"], "running");
    stop(&b);
}

#[test]
fn restore_refuses_what_cannot_be_restored() {
    let b = Bundle::new("rst-bad");
    b.write_config();
    let bundle = b.bundle_arg();
    // No image directory at all.
    let missing = b.path().join("no-images");
    let out = b.berth(&["restore", "--bundle", &bundle, "--image-path", missing.to_str().unwrap(), &b.id]);
    let err = assert_one_line_error(&out);
    assert!(err.contains("--image-path") && err.contains("no-images"), "{err}");
    b.assert_clean();
    // Images, but of a container whose config was another.
    let images = b.path().join("images");
    std::fs::create_dir(&images).unwrap();
    std::fs::write(images.join("inventory.img"), b"").unwrap();
    let meta = json!({"id": "other", "identity": "0123456789abcdef", "stdio": [], "terminal": false});
    std::fs::write(images.join("berth.json"), meta.to_string()).unwrap();
    let out = b.berth(&["restore", "--bundle", &bundle, "--image-path", images.to_str().unwrap(), &b.id]);
    let err = assert_one_line_error(&out);
    assert!(err.contains("--image-path") && err.contains("\"other\""), "{err}");
    b.assert_clean();
    // A namespace --empty-ns cannot leave empty, refused before anything is made.
    let out = b.berth(&[
        "restore",
        "--empty-ns",
        "ipc",
        "--bundle",
        &bundle,
        "--image-path",
        images.to_str().unwrap(),
        &b.id,
    ]);
    let err = assert_one_line_error(&out);
    assert!(err.contains("--empty-ns") && err.contains("ipc"), "{err}");
    b.assert_clean();
}

#[test]
fn restore_refuses_an_id_in_use() {
    let b = running("rst-inuse", |_| {});
    let images = b.path().join("images");
    std::fs::create_dir(&images).unwrap();
    let out = b.berth(&["restore", "--bundle", &b.bundle_arg(), "--image-path", images.to_str().unwrap(), &b.id]);
    let err = assert_one_line_error(&out);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(b.state()["status"], "running", "the running container was touched");
    stop(&b);
}

#[test]
fn help_and_features_name_the_verbs() {
    for verb in ["checkpoint", "restore"] {
        let out = std::process::Command::new(berth_bin()).args([verb, "--help"]).output().unwrap();
        assert_ok(&out, &format!("{verb} --help"));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("--image-path") && text.contains("--manage-cgroups-mode"), "{text}");
    }
    let out = std::process::Command::new(berth_bin()).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("checkpoint") && text.contains("restore"), "{text}");
    let out = std::process::Command::new(berth_bin()).arg("features").output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["annotations"]["org.opencontainers.runc.checkpoint.enabled"], "true");
}
