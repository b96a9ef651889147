//! runc's cgroup verbs on real containers: pause/resume, update, events, ps,
//! kill --all, and delete --force of a paused container. Files are read
//! where this host keeps them (v1 hierarchies, or the v2 tree on a pure v2
//! host), so the tests run on both.
mod common;
use common::*;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

fn pure_v2() -> bool {
    Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

/// The container's file for a controller: its v1 hierarchy, or the v2 tree.
fn cg_file(b: &Bundle, controller: &str, file: &str) -> PathBuf {
    match pure_v2() {
        true => format!("/sys/fs/cgroup{}/{file}", b.cgroup).into(),
        false => format!("/sys/fs/cgroup/{controller}{}/{file}", b.cgroup).into(),
    }
}

fn read_cg(b: &Bundle, controller: &str, file: &str) -> String {
    let p = cg_file(b, controller, file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).trim().to_string()
}

/// (v1 file, v2 file) of a limit, read as this host has it.
fn limit(b: &Bundle, controller: &str, v1: &str, v2: &str) -> String {
    read_cg(b, controller, if pure_v2() { v2 } else { v1 })
}

/// `run -d`: a running container, its init detached from us.
fn run_detached(b: &Bundle) -> Value {
    let out = b.berth(&["run", "-d", "--bundle", &b.bundle_arg(), &b.id]);
    assert_ok(&out, "run -d");
    b.wait_status("running")
}

fn berth_with_stdin(b: &Bundle, args: &[&str], stdin: &str) -> Output {
    let mut child =
        b.raw_cmd().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn counter(b: &Bundle) -> u64 {
    std::fs::read_to_string(b.rootfs().join("tmp/counter")).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

/// Polls `f` until it holds (bounded; panics with `what` otherwise).
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stop_and_delete(b: &Bundle) {
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete --force");
    b.assert_clean();
}

#[test]
fn pause_freezes_and_resume_thaws() {
    let mut b = Bundle::new("pause");
    b.args(&["/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.05; done"]);
    run_detached(&b);
    eventually("the counter to advance", || counter(&b) > 2);

    let err = assert_one_line_error(&b.berth(&["resume", &b.id]));
    assert!(err.contains("is not paused"), "{err}");
    assert_ok(&b.berth(&["pause", &b.id]), "pause");
    assert_eq!(b.state()["status"], "paused");
    match pure_v2() {
        true => assert!(read_cg(&b, "", "cgroup.events").contains("frozen 1")),
        false => assert_eq!(read_cg(&b, "freezer", "freezer.state"), "FROZEN"),
    }
    let frozen_at = counter(&b);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(counter(&b), frozen_at, "a paused container must not run");
    let err = assert_one_line_error(&b.berth(&["pause", &b.id]));
    assert!(err.contains("is not running"), "{err}");
    let list = b.berth(&["list", "-f", "json"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains(r#""status":"paused""#));

    assert_ok(&b.berth(&["resume", &b.id]), "resume");
    assert_eq!(b.state()["status"], "running");
    eventually("the counter to advance again", || counter(&b) > frozen_at + 2);

    // SIGKILL reaches a paused container (berth thaws it so it can die).
    assert_ok(&b.berth(&["pause", &b.id]), "pause again");
    assert_ok(&b.berth(&["kill", &b.id, "KILL"]), "kill a paused container");
    b.wait_status("stopped");
    let err = assert_one_line_error(&b.berth(&["pause", &b.id]));
    assert!(err.contains("is not running"), "{err}");
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    b.assert_clean();
}

#[test]
fn delete_force_of_a_paused_container_leaves_nothing() {
    let mut b = Bundle::new("pause-del");
    b.args(&["/probe", "sleep", "60"]);
    let pid = run_detached(&b)["pid"].as_i64().unwrap();
    assert_ok(&b.berth(&["pause", &b.id]), "pause");
    let err = assert_one_line_error(&b.berth(&["delete", &b.id]));
    assert!(err.contains("paused"), "{err}");
    assert_ok(&b.berth(&["delete", "--force", &b.id]), "delete --force");
    b.assert_clean();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(stat.is_empty() || stat.contains(") Z "), "init {pid} still runs: {stat}");
}

#[test]
fn update_changes_live_limits_and_a_bad_value_changes_nothing() {
    let mut b = Bundle::new("update");
    b.config["linux"]["resources"] = json!({"memory": {"limit": 33554432}, "cpu": {"period": 100000}});
    b.args(&["/probe", "sleep", "60"]);
    run_detached(&b);

    let request = json!({"memory": {"limit": 67108864}, "pids": {"limit": 30}, "cpu": {"quota": 30000}});
    assert_ok(&berth_with_stdin(&b, &["update", "--resources", "-", &b.id], &request.to_string()), "update -r -");
    assert_eq!(limit(&b, "memory", "memory.limit_in_bytes", "memory.max"), "67108864");
    assert_eq!(read_cg(&b, "pids", "pids.max"), "30");
    match pure_v2() {
        true => assert_eq!(read_cg(&b, "cpu", "cpu.max"), "30000 100000", "the period from create is kept"),
        false => assert_eq!(read_cg(&b, "cpu", "cpu.cfs_quota_us"), "30000"),
    }

    let out = b.berth(&["update", "--memory", "128m", "--pids-limit", "40", "--cpu-quota", "20000", &b.id]);
    assert_ok(&out, "update with flags");
    assert_eq!(limit(&b, "memory", "memory.limit_in_bytes", "memory.max"), "134217728");
    assert_eq!(read_cg(&b, "pids", "pids.max"), "40");
    assert_eq!(limit(&b, "cpu", "cpu.cfs_quota_us", "cpu.max"), if pure_v2() { "20000 100000" } else { "20000" });

    // Bad values: one line naming the flag or field, and nothing changes,
    // not even the valid flags given alongside.
    for (args, named) in [
        (vec!["--memory", "12q"], "--memory"),
        (vec!["--pids-limit", "20", "--memory", "0"], "--memory"),
        (vec!["--pids-limit", "-5"], "--pids-limit"),
        (vec!["--cpu-quota", "x"], "--cpu-quota"),
        (vec!["--l3-cache-schema", "L3:0=f"], "--l3-cache-schema"),
    ] {
        let mut full = vec!["update"];
        full.extend(args.iter().copied());
        full.push(&b.id);
        let err = assert_one_line_error(&b.berth(&full));
        assert!(err.contains(named), "{args:?}: {err}");
    }
    let bad = json!({"pids": {"limit": 10}, "cpu": {"quota": 0}});
    let err = assert_one_line_error(&berth_with_stdin(&b, &["update", "-r", "-", &b.id], &bad.to_string()));
    assert!(err.contains("linux.resources.cpu.quota"), "{err}");
    assert_eq!(limit(&b, "memory", "memory.limit_in_bytes", "memory.max"), "134217728");
    assert_eq!(read_cg(&b, "pids", "pids.max"), "40");

    // state.json keeps the merged resources: the period from create, the rest from updates.
    let saved: Value = serde_json::from_slice(&std::fs::read(b.root.join(&b.id).join("state.json")).unwrap()).unwrap();
    assert_eq!(saved["resources"]["memory"]["limit"], 134217728);
    assert_eq!(saved["resources"]["cpu"], json!({"quota": 20000, "period": 100000}));
    assert_eq!(saved["resources"]["pids"]["limit"], 40);

    // A paused container can be updated too.
    assert_ok(&b.berth(&["pause", &b.id]), "pause");
    assert_ok(&b.berth(&["update", "--pids-limit", "50", &b.id]), "update while paused");
    assert_eq!(read_cg(&b, "pids", "pids.max"), "50");
    stop_and_delete(&b);
    let err = assert_one_line_error(&b.berth(&["update", "--pids-limit", "5", &b.id]));
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn update_raises_memory_and_swap_together_on_v1() {
    if pure_v2() || !Path::new("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes").exists() {
        return; // v1 with swap accounting only: the write order matters there
    }
    let mut b = Bundle::new("update-swap");
    b.config["linux"]["resources"] = json!({"memory": {"limit": 33554432, "swap": 33554432}});
    b.args(&["/probe", "sleep", "60"]);
    run_detached(&b);
    assert_ok(&b.berth(&["update", "--memory", "64m", "--memory-swap", "96m", &b.id]), "raise both");
    assert_eq!(read_cg(&b, "memory", "memory.limit_in_bytes"), "67108864");
    assert_eq!(read_cg(&b, "memory", "memory.memsw.limit_in_bytes"), "100663296");
    assert_ok(&b.berth(&["update", "--memory", "-1", &b.id]), "lift both");
    let unlimited = read_cg(&b, "memory", "memory.limit_in_bytes");
    assert_eq!(read_cg(&b, "memory", "memory.memsw.limit_in_bytes"), unlimited);
    stop_and_delete(&b);
}

#[test]
fn events_stats_reports_memory_and_pids() {
    let mut b = Bundle::new("stats");
    b.config["linux"]["resources"] = json!({"memory": {"limit": 67108864}, "pids": {"limit": 50}});
    b.args(&["/bin/sh", "-c", "/probe sleep 60 & /probe sleep 60 & wait"]);
    run_detached(&b);
    eventually("three processes", || read_cg(&b, "pids", "pids.current") == "3");
    let out = b.berth(&["events", "--stats", &b.id]);
    assert_ok(&out, "events --stats");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(text.lines().count(), 1, "one JSON object: {text}");
    let ev: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((ev["type"].as_str(), ev["id"].as_str()), (Some("stats"), Some(b.id.as_str())));
    let d = &ev["data"];
    assert_eq!(d["memory"]["usage"]["limit"], 67108864, "{d}");
    assert!(d["memory"]["usage"]["usage"].as_u64().unwrap() > 0, "{d}");
    assert!(d["memory"]["raw"].as_object().is_some_and(|r| !r.is_empty()), "{d}");
    assert_eq!((d["pids"]["current"].as_u64(), d["pids"]["limit"].as_u64()), (Some(3), Some(50)), "{d}");
    assert!(d["cpu"]["usage"]["total"].as_u64().unwrap() > 0, "{d}");
    for key in ["kernel", "user"] {
        assert!(d["cpu"]["usage"][key].is_u64(), "cpu.usage.{key}: {d}");
    }
    assert!(d["cpu"]["throttling"].is_object() && d["blkio"].is_object() && d["hugetlb"].is_object(), "{d}");
    stop_and_delete(&b);
    let err = assert_one_line_error(&b.berth(&["events", "--stats", &b.id]));
    assert!(err.contains("does not exist"), "{err}");
}

/// A background `berth events`, its output in a file.
struct Events {
    child: std::process::Child,
    out: PathBuf,
    _kill: KillOnDrop,
}

impl Events {
    fn start(b: &Bundle, interval: &str) -> Events {
        let out = b.path().join(unique("events"));
        let child = b
            .raw_cmd()
            .args(["events", "--interval", interval, &b.id])
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(out.with_extension("err")).unwrap())
            .spawn()
            .unwrap();
        let _kill = KillOnDrop::new(child.id() as i32);
        Events { child, out, _kill }
    }

    fn raw(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    fn lines(&self) -> Vec<Value> {
        self.raw().lines().filter(|l| l.ends_with('}')).map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    fn count(&self, kind: &str) -> usize {
        self.lines().iter().filter(|e| e["type"] == kind).count()
    }

    /// Whether the process holds the fd it waits for OOMs on (an eventfd on
    /// v1, an inotify instance on v2): then it is watching.
    fn watching(&self) -> bool {
        let fds = std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).into_iter().flatten().flatten();
        fds.filter_map(|e| std::fs::read_link(e.path()).ok())
            .any(|l| matches!(l.to_str(), Some("anon_inode:[eventfd]" | "anon_inode:inotify")))
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < deadline, "events did not end with the container");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn events_streams_stats_and_an_oom_kill_then_ends_with_the_container() {
    let mut b = Bundle::new("oom-events");
    b.config["linux"]["resources"] = json!({"memory": {"limit": 33554432, "swap": 33554432}});
    // The allocation waits for our go-ahead, so `events` is watching first;
    // the shell (init) survives its child's OOM kill.
    b.args(&["/bin/sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done; /probe alloc 128; sleep 60"]);
    run_detached(&b);
    // One streams stats often; the other's interval is an hour, so an OOM
    // line from it can only come from the OOM notification itself.
    let mut often = Events::start(&b, "200ms");
    let mut hourly = Events::start(&b, "1h");
    eventually("two stats lines", || often.count("stats") >= 2);
    eventually("the OOM watch", || hourly.watching());
    std::fs::write(b.rootfs().join("tmp/go"), "").unwrap();
    eventually("an oom event without waiting for the interval", || hourly.count("oom") == 1);
    eventually("an oom event in the stats stream", || often.count("oom") == 1);
    assert_eq!(hourly.raw(), format!("{{\"type\":\"oom\",\"id\":\"{}\"}}\n", b.id), "runc's shape and order");
    let first = often.raw().lines().next().unwrap().to_string();
    assert!(first.starts_with(&format!(r#"{{"type":"stats","id":"{}","data":{{"cpu":"#, b.id)), "{first}");
    assert_eq!(b.state()["status"], "running", "only the allocating child was killed");

    assert_ok(&b.berth(&["kill", &b.id, "KILL"]), "kill");
    for e in [&mut often, &mut hourly] {
        let status = e.wait_exit();
        assert!(status.success(), "events exits 0 when the container stops: {status}");
        assert_eq!(e.count("oom"), 1, "one kill, one event: {}", e.raw());
    }
    stop_and_delete(&b);
}

#[test]
fn ps_lists_the_containers_processes() {
    let mut b = Bundle::new("ps");
    b.args(&["/bin/sh", "-c", "/probe sleep 60 & /probe sleep 60 & wait"]);
    let init = run_detached(&b)["pid"].as_i64().unwrap();
    eventually("three processes", || {
        let out = b.berth(&["ps", "--format", "json", &b.id]);
        serde_json::from_slice::<Vec<i64>>(&out.stdout).is_ok_and(|p| p.len() == 3)
    });
    let out = b.berth(&["ps", "-f", "json", &b.id]);
    let pids: Vec<i64> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(pids.contains(&init), "{pids:?} lacks init {init}");

    let out = b.berth(&["ps", &b.id]);
    assert_ok(&out, "ps");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].split_whitespace().any(|f| f == "PID") && lines[0].contains("CMD"), "{text}");
    assert_eq!(lines.len(), 4, "header and three processes: {text}");
    assert_eq!(lines.iter().filter(|l| l.ends_with(" /probe sleep 60")).count(), 2, "{text}");

    let out = b.berth(&["ps", &b.id, "-o", "pid,comm"]);
    assert_ok(&out, "ps -o pid,comm");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(text.lines().next().map(|h| h.split_whitespace().collect::<Vec<_>>()), Some(vec!["PID", "COMMAND"]));
    assert_eq!(text.lines().count(), 4, "{text}");
    let err = assert_one_line_error(&b.berth(&["ps", &b.id, "-o", "comm"]));
    assert!(err.contains("PID column"), "{err}");
    stop_and_delete(&b);
}

#[test]
fn kill_all_reaches_every_process() {
    let mut b = Bundle::new("kill-all");
    // Without a pid namespace, init's death would leave its children running.
    b.config["linux"]["namespaces"].as_array_mut().unwrap().retain(|n| n["type"] != "pid");
    b.args(&["/bin/sh", "-c", "/probe sleep 60 & /probe sleep 60 & /probe sleep 60 & wait"]);
    run_detached(&b);
    let procs = || read_cg(&b, "pids", "cgroup.procs").lines().count();
    eventually("four processes", || procs() == 4);
    assert_ok(&b.berth(&["kill", "--all", &b.id, "KILL"]), "kill --all");
    eventually("an empty cgroup", || procs() == 0);
    b.wait_status("stopped");
    assert_ok(&b.berth(&["delete", &b.id]), "delete");
    b.assert_clean();
}

/// memory.checkBeforeUpdate: a limit below current usage is refused; one
/// above it is applied.
#[test]
fn check_before_update_refuses_a_limit_below_usage() {
    let mut b = Bundle::new("verbs-checkupd");
    b.config["linux"]["resources"] = json!({"memory": {"limit": 268435456, "checkBeforeUpdate": true}});
    // 16 MiB in tmpfs is charged to the container's memory cgroup.
    b.args(&[
        "/bin/sh",
        "-c",
        "dd if=/dev/zero of=/dev/shm/fill bs=1M count=16 2>/dev/null; echo filled > /tmp/filled; sleep 60",
    ]);
    run_detached(&b);
    eventually("the tmpfs fill", || b.rootfs().join("tmp/filled").exists());
    let err = assert_one_line_error(&b.berth(&["update", "--memory", "4m", &b.id]));
    assert!(err.contains("checkBeforeUpdate") && err.contains("memory"), "{err}");
    assert_eq!(limit(&b, "memory", "memory.limit_in_bytes", "memory.max"), "268435456", "unchanged after the refusal");
    assert_ok(&b.berth(&["update", "--memory", "128m", &b.id]), "update above usage");
    assert_eq!(limit(&b, "memory", "memory.limit_in_bytes", "memory.max"), "134217728");
    stop_and_delete(&b);
}
