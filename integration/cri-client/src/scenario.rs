//! One pod's life through the CRI, as the kubelet drives it, checked at
//! every step from both sides: what containerd answers and what the host
//! shows (cgroup files, namespaces, mounts, processes).

use crate::cri::{self, answer, container_config, pod_config, Cri};
use crate::host::{self, PodCgroup, Proc};
use crate::report::{Report, Res};
use crate::stream;
use crate::Opts;
use k8s_cri::v1::{
    ContainerFilter, ContainerState, ContainerStatsRequest, ContainerStatus, ContainerStatusRequest, ExecRequest,
    ExecSyncRequest, ExecSyncResponse, ImageSpec, ImageStatusRequest, LinuxContainerResources, ListContainersRequest,
    ListPodSandboxRequest, PodSandboxConfig, PodSandboxState, PodSandboxStatusRequest, StatusRequest,
    UpdateContainerResourcesRequest, VersionRequest,
};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const MIB: i64 = 1 << 20;
const PORT: u16 = 8080;

struct Scenario<'a> {
    o: &'a Opts,
    cri: Cri,
    r: Report,
    log_dir: PathBuf,
    config: PodSandboxConfig,
    cgroup: Option<PodCgroup>,
    pod: Option<String>,
    /// Every container made, by name, until it is removed.
    containers: Vec<(&'static str, String)>,
    /// Everything that ever was in the pod, for the checks at the end.
    ids: Vec<String>,
    procs: Vec<(&'static str, Proc)>,
    netns: Option<String>,
}

pub async fn run(o: &Opts) -> bool {
    let mut r = Report::default();
    let cri = match cri::connect(&o.socket).await {
        Ok(c) => c,
        Err(e) => {
            r.fail("connect to containerd's CRI socket", &e);
            return r.summary();
        }
    };
    let name = format!("cri-{}", o.handler);
    let log_dir = o.log_dir.join(&name);
    let config = pod_config(&name, &log_dir, &o.cgroup_parent);
    let mut s = Scenario {
        o,
        cri,
        r,
        log_dir,
        config,
        cgroup: None,
        pod: None,
        containers: Vec::new(),
        ids: Vec::new(),
        procs: Vec::new(),
        netns: None,
    };
    s.runtime_ready().await;
    if s.pod_up().await {
        s.containers_up().await;
        s.checks().await;
        s.oom().await;
        s.teardown().await;
    }
    s.cleanup().await;
    s.leftovers().await;
    s.r.summary()
}

impl Scenario<'_> {
    async fn runtime_ready(&mut self) {
        let version = answer(self.cri.rt.version(VersionRequest { version: "v1".into() }).await).and_then(|v| {
            if v.runtime_api_version == "v1" {
                Ok(format!("{} {}, CRI {}", v.runtime_name, v.runtime_version, v.runtime_api_version))
            } else {
                Err(format!("runtime_api_version {:?}", v.runtime_api_version))
            }
        });
        self.r.step("Version", version);

        let status = answer(self.cri.rt.status(StatusRequest { verbose: false }).await).and_then(|s| {
            let conditions = s.status.map(|s| s.conditions).unwrap_or_default();
            let not_ready: Vec<String> = ["RuntimeReady", "NetworkReady"]
                .iter()
                .filter(|&&want| !conditions.iter().any(|c| c.r#type == want && c.status))
                .map(|want| format!("{want} is not true: {conditions:?}"))
                .collect();
            if not_ready.is_empty() {
                Ok("RuntimeReady, NetworkReady".to_string())
            } else {
                Err(not_ready.join("\n"))
            }
        });
        self.r.step("Status", status);

        let images = [self.o.pause_image.as_str(), self.o.image.as_str()];
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for image in images {
            let reply = answer(
                self.cri
                    .im
                    .image_status(ImageStatusRequest {
                        image: Some(ImageSpec { image: image.into(), ..Default::default() }),
                        verbose: false,
                    })
                    .await,
            );
            match reply {
                Ok(r) if r.image.is_some() => found.push(image),
                Ok(_) => missing.push(format!("{image}: not found")),
                Err(e) => missing.push(format!("{image}: {e}")),
            }
        }
        let outcome = if missing.is_empty() { Ok(found.join(", ")) } else { Err(missing.join("\n")) };
        self.r.step("ImageStatus: both images imported", outcome);
    }

    /// The pod's cgroup, RunPodSandbox and PodSandboxStatus; false when there
    /// is no pod to go on with.
    async fn pod_up(&mut self) -> bool {
        let made = PodCgroup::make(&self.o.cgroup_parent).map(|(cg, n)| {
            self.cgroup = Some(cg);
            format!("{} in {n} hierarchies", self.o.cgroup_parent)
        });
        self.r.step("the pod's cgroup made first, as the kubelet does", made);

        if let Err(e) = std::fs::create_dir_all(&self.log_dir) {
            self.r.fail("the pod's log directory", &format!("{}: {e}", self.log_dir.display()));
            return false;
        }
        let started = Instant::now();
        let what = format!("RunPodSandbox, runtime_handler {}", self.o.handler);
        let pod = match self.cri.run_pod(&self.config, &self.o.handler).await {
            Ok(pod) => pod,
            Err(e) => {
                self.r.fail(&what, &e);
                return false;
            }
        };
        self.r.ok(&format!("{what} ({} ms)", started.elapsed().as_millis()));
        self.pod = Some(pod.clone());
        self.ids.push(pod.clone());

        let status = answer(
            self.cri.rt.pod_sandbox_status(PodSandboxStatusRequest { pod_sandbox_id: pod, verbose: true }).await,
        );
        let outcome = status.and_then(|reply| {
            let status = reply.status.ok_or("no status")?;
            let info = cri::verbose_info(&reply.info)?;
            if let Some(p) = cri::info_pid(&info).ok().and_then(Proc::of) {
                self.procs.push(("pause", p));
            }
            self.netns = cri::info_netns(&info);
            let ip = status.network.as_ref().map(|n| n.ip.clone()).unwrap_or_default();
            if status.state() != PodSandboxState::SandboxReady {
                Err(format!("state {:?}", status.state()))
            } else if status.runtime_handler != self.o.handler {
                Err(format!("runtime_handler {:?}", status.runtime_handler))
            } else if ip.is_empty() {
                Err("no pod IP: CNI did not set up the network".into())
            } else {
                Ok(format!(
                    "ready, handler {}, IP {ip}, netns {}",
                    status.runtime_handler,
                    self.netns.as_deref().unwrap_or("?")
                ))
            }
        });
        self.r.step("PodSandboxStatus", outcome);
        true
    }

    async fn start(&mut self, name: &'static str, argv: &[&str], memory: i64) -> Option<String> {
        let pod = self.pod.clone()?;
        let config = container_config(name, &self.o.image, argv, memory, 512);
        let what = format!("CreateContainer, StartContainer: {name}");
        match self.cri.create_start(&pod, &self.config, config).await {
            Ok(id) => {
                self.r.ok(&what);
                self.containers.push((name, id.clone()));
                self.ids.push(id.clone());
                Some(id)
            }
            Err((id, e)) => {
                if let Some(id) = id {
                    self.containers.push((name, id.clone()));
                    self.ids.push(id);
                }
                self.r.fail(&what, &e);
                None
            }
        }
    }

    fn id(&self, name: &str) -> Option<String> {
        self.containers.iter().find(|(n, _)| *n == name).map(|(_, id)| id.clone())
    }

    async fn status(&mut self, id: &str) -> Res<(ContainerStatus, serde_json::Value)> {
        let reply = answer(
            self.cri.rt.container_status(ContainerStatusRequest { container_id: id.into(), verbose: true }).await,
        )?;
        let info = cri::verbose_info(&reply.info).unwrap_or_default();
        Ok((reply.status.ok_or("no status")?, info))
    }

    async fn exec_sync(&mut self, id: &str, argv: &[&str]) -> Res<ExecSyncResponse> {
        answer(
            self.cri
                .rt
                .exec_sync(ExecSyncRequest {
                    container_id: id.into(),
                    cmd: argv.iter().map(|s| s.to_string()).collect(),
                    timeout: 10,
                })
                .await,
        )
    }

    async fn containers_up(&mut self) {
        let server = format!(
            "echo server-started; echo server-stderr >&2; mkdir -p /tmp/www; \
             echo hello-from-pod > /tmp/www/index.html; \
             exec httpd -f -p 127.0.0.1:{PORT} -h /tmp/www"
        );
        self.start("server", &["/bin/sh", "-c", &server], 64 * MIB).await;
        self.start("client", &["/bin/sh", "-c", "echo client-started; exec sleep 3600"], 64 * MIB).await;
        for name in ["server", "client"] {
            let Some(id) = self.id(name) else { continue };
            let outcome = self.status(&id).await.and_then(|(status, info)| {
                if status.state() != ContainerState::ContainerRunning {
                    return Err(format!("state {:?}", status.state()));
                }
                let pid = cri::info_pid(&info)?;
                let proc = Proc::of(pid).ok_or(format!("pid {pid} is not alive"))?;
                self.procs.push((name, proc));
                Ok(format!("running, pid {pid}"))
            });
            self.r.step(&format!("ContainerStatus: {name}"), outcome);
        }
        self.runtime_state().await;
    }

    /// The runtime's own `state` verb, with the root the shim gives it, sees
    /// the container running: proof that this handler's binary made it.
    async fn runtime_state(&mut self) {
        let (Some(bin), Some(root)) = (&self.o.runtime_binary, &self.o.runtime_root) else {
            self.r.skip("the runtime's own state verb", "no --runtime-binary and --runtime-root");
            return;
        };
        let Some(id) = self.id("server") else { return };
        let want = self.procs.iter().find(|(n, _)| *n == "server").map(|(_, p)| p.pid);
        let out = std::process::Command::new(bin).arg("--root").arg(root).args(["state", &id]).output();
        let outcome = match out {
            Err(e) => Err(format!("{}: {e}", bin.display())),
            Ok(out) if !out.status.success() => {
                Err(format!("{}: {}", out.status, String::from_utf8_lossy(&out.stderr).trim()))
            }
            Ok(out) => serde_json::from_slice::<serde_json::Value>(&out.stdout)
                .map_err(|e| format!("state is not JSON: {e}"))
                .and_then(|state| {
                    let status = state.get("status").and_then(|s| s.as_str());
                    let pid = state.get("pid").and_then(|p| p.as_u64()).and_then(|p| u32::try_from(p).ok());
                    if status == Some("running") && (want.is_none() || pid == want) {
                        Ok(format!("running, pid {}", pid.unwrap_or(0)))
                    } else {
                        Err(format!("status {status:?}, pid {pid:?}, wanted {want:?}"))
                    }
                }),
        };
        let what = format!(
            "{} --root {} state: server",
            bin.file_name().unwrap_or_default().to_string_lossy(),
            root.display()
        );
        self.r.step(&what, outcome);
    }

    async fn checks(&mut self) {
        let (Some(server), Some(client)) = (self.id("server"), self.id("client")) else {
            self.r.skip("the checks of running containers", "a container did not start");
            return;
        };
        self.namespaces(&server, &client).await;
        self.localhost(&client).await;
        self.exec_sync_streams(&server).await;
        self.exec_tty(&server).await;
        self.exec_streams(&server).await;
        self.logs(&server).await;
        self.stats(&server).await;
        self.update(&server).await;
    }

    async fn namespaces(&mut self, server: &str, client: &str) {
        // busybox's readlink takes one file.
        let script = "readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid";
        let argv = ["/bin/sh", "-c", script];
        let mut seen = Vec::new();
        for id in [server, client] {
            match self.exec_sync(id, &argv).await {
                Ok(r) if r.exit_code == 0 => {
                    seen.push(String::from_utf8_lossy(&r.stdout).lines().map(str::to_string).collect::<Vec<_>>())
                }
                Ok(r) => {
                    let why = format!("exit {}: {}", r.exit_code, String::from_utf8_lossy(&r.stderr));
                    self.r.fail("net and ipc namespaces shared in the pod", &why);
                    return;
                }
                Err(e) => {
                    self.r.fail("net and ipc namespaces shared in the pod", &e);
                    return;
                }
            }
        }
        let pause = self.procs.iter().find(|(n, _)| *n == "pause").map(|(_, p)| p.pid);
        let outcome = (|| {
            let (a, b) = (&seen[0], &seen[1]);
            if a.len() != 3 || b.len() != 3 {
                return Err(format!("readlink printed {a:?} and {b:?}"));
            }
            if a[0] != b[0] || a[1] != b[1] {
                return Err(format!("server {a:?}, client {b:?}"));
            }
            if a[2] == b[2] {
                return Err(format!("one pid namespace {} for both, wanted one each", a[2]));
            }
            if let Some(pid) = pause {
                let (net, ipc) = (host::ns_inode(pid, "net")?, host::ns_inode(pid, "ipc")?);
                if net != a[0] || ipc != a[1] {
                    return Err(format!("pause has {net} {ipc}, the containers {a:?}"));
                }
            }
            Ok(format!("{} {}, the pause's too; pid namespaces apart", a[0], a[1]))
        })();
        self.r.step("net and ipc namespaces shared in the pod", outcome);
    }

    async fn localhost(&mut self, client: &str) {
        // The request by hand: Debian's busybox-static 1.35 wget dies of
        // SIGSEGV before it connects, on the host as well.
        let request = format!("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 127.0.0.1 {PORT}");
        let argv = ["/bin/sh", "-c", request.as_str()];
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut tries = 0;
        // httpd may not listen yet right after StartContainer.
        let outcome = loop {
            tries += 1;
            let last = match self.exec_sync(client, &argv).await {
                Ok(r) if r.exit_code == 0 && r.stdout.ends_with(b"\r\n\r\nhello-from-pod\n") => {
                    break Ok(format!("client got the server's page, try {tries}"));
                }
                Ok(r) => {
                    format!(
                        "exit {}, stdout {:?}, stderr {:?}",
                        r.exit_code,
                        String::from_utf8_lossy(&r.stdout),
                        String::from_utf8_lossy(&r.stderr)
                    )
                }
                Err(e) => e,
            };
            if Instant::now() > deadline {
                break Err(format!("{tries} tries, the last: {last}"));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        self.r.step(
            &format!("containers meet on localhost: client's GET to server's httpd on 127.0.0.1:{PORT}"),
            outcome,
        );

        let ip = match self.pod.clone() {
            Some(pod) => answer(
                self.cri.rt.pod_sandbox_status(PodSandboxStatusRequest { pod_sandbox_id: pod, verbose: false }).await,
            )
            .ok()
            .and_then(|r| r.status)
            .and_then(|s| s.network)
            .map(|n| n.ip)
            .unwrap_or_default(),
            None => String::new(),
        };
        let outcome = self.exec_sync(client, &["ip", "-o", "-4", "addr", "show"]).await.and_then(|r| {
            let text = String::from_utf8_lossy(&r.stdout).into_owned();
            if !ip.is_empty() && text.contains(&format!(" {ip}/")) {
                Ok(ip.clone())
            } else {
                Err(format!("pod IP {ip:?}, the container has:\n{text}"))
            }
        });
        self.r.step("the pod's IP from CNI is on the container's interface", outcome);
    }

    async fn exec_sync_streams(&mut self, id: &str) {
        let outcome = self.exec_sync(id, &["/bin/sh", "-c", "echo out; echo err >&2; exit 3"]).await.and_then(|r| {
            if r.stdout == b"out\n" && r.stderr == b"err\n" && r.exit_code == 3 {
                Ok("stdout, stderr, exit code 3".into())
            } else {
                Err(format!(
                    "stdout {:?}, stderr {:?}, exit {}",
                    String::from_utf8_lossy(&r.stdout),
                    String::from_utf8_lossy(&r.stderr),
                    r.exit_code
                ))
            }
        });
        self.r.step("ExecSync", outcome);
    }

    async fn stream(&mut self, request: ExecRequest, input: stream::Input) -> Res<stream::Session> {
        let url = answer(self.cri.rt.exec(request).await)?.url;
        // The session blocks; on the blocking pool the runtime goes on
        // serving the gRPC connection meanwhile.
        tokio::task::spawn_blocking(move || stream::exec(&url, input))
            .await
            .map_err(|e| format!("the session's task: {e}"))?
    }

    async fn exec_tty(&mut self, id: &str) {
        let request = ExecRequest {
            container_id: id.into(),
            cmd: vec!["/bin/sh".into()],
            tty: true,
            stdin: true,
            stdout: true,
            // The CRI refuses stderr with a tty: the terminal carries both.
            stderr: false,
        };
        let input =
            stream::Input { resize: Some((100, 30)), stdin: b"stty size; echo tty-$((6*7)); exit 5\r".to_vec() };
        let outcome = self.stream(request, input).await.and_then(|s| {
            let out = String::from_utf8_lossy(&s.stdout);
            let code = stream::exit_code(&s.status)?;
            // "tty-42" only appears if the shell ran the line: the echo of
            // the typed line shows "tty-$((6*7))".
            if out.contains("30 100\r\n") && out.contains("tty-42\r\n") && code == 5 {
                Ok("resize to 100x30 seen by stty, exit status 5".into())
            } else {
                Err(format!("exit {code}, output {out:?}"))
            }
        });
        self.r.step("Exec with a tty over WebSocket (v4.channel.k8s.io)", outcome);
    }

    async fn exec_streams(&mut self, id: &str) {
        let request = ExecRequest {
            container_id: id.into(),
            cmd: vec!["/bin/sh".into(), "-c".into(), "echo ws-out; echo ws-err >&2".into()],
            tty: false,
            stdin: false,
            stdout: true,
            stderr: true,
        };
        let input = stream::Input { resize: None, stdin: Vec::new() };
        let outcome = self.stream(request, input).await.and_then(|s| {
            let code = stream::exit_code(&s.status)?;
            if s.stdout == b"ws-out\n" && s.stderr == b"ws-err\n" && code == 0 {
                Ok("stdout and stderr apart, status Success".into())
            } else {
                Err(format!("exit {code}, {s:?}"))
            }
        });
        self.r.step("Exec without a tty over WebSocket", outcome);
    }

    async fn logs(&mut self, id: &str) {
        let outcome = match self.status(id).await {
            Err(e) => Err(e),
            Ok((status, _)) => {
                let want = self.log_dir.join("server.log");
                if Path::new(&status.log_path) != want {
                    Err(format!("log_path {:?}, wanted {}", status.log_path, want.display()))
                } else {
                    read_log(&want).await
                }
            }
        };
        self.r.step("the container's log, in CRI format at log_directory/log_path", outcome);
    }

    async fn stats(&mut self, id: &str) {
        let outcome = answer(self.cri.rt.container_stats(ContainerStatsRequest { container_id: id.into() }).await)
            .and_then(|r| {
                let s = r.stats.ok_or("no stats")?;
                let cpu = s.cpu.and_then(|c| c.usage_core_nano_seconds).map(|v| v.value).unwrap_or(0);
                let memory = s.memory.and_then(|m| m.working_set_bytes).map(|v| v.value).unwrap_or(0);
                if cpu > 0 && memory > 0 {
                    Ok(format!("cpu {cpu} ns, memory working set {memory} bytes"))
                } else {
                    Err(format!("cpu {cpu} ns, memory working set {memory} bytes"))
                }
            });
        self.r.step("ContainerStats", outcome);
    }

    async fn update(&mut self, id: &str) {
        let want = LinuxContainerResources {
            memory_limit_in_bytes: 128 * MIB,
            cpu_shares: 256,
            cpu_period: 100_000,
            cpu_quota: 50_000,
            ..Default::default()
        };
        let outcome = answer(
            self.cri
                .rt
                .update_container_resources(UpdateContainerResourcesRequest {
                    container_id: id.into(),
                    linux: Some(want.clone()),
                    ..Default::default()
                })
                .await,
        );
        if let Err(e) = outcome {
            self.r.fail("UpdateContainerResources", &e);
            return;
        }
        let outcome = self.status(id).await.and_then(|(status, _)| {
            let got = status.resources.and_then(|r| r.linux).ok_or("ContainerStatus has no resources")?;
            let fields = [
                ("memory_limit_in_bytes", got.memory_limit_in_bytes, want.memory_limit_in_bytes),
                ("cpu_shares", got.cpu_shares, want.cpu_shares),
                ("cpu_quota", got.cpu_quota, want.cpu_quota),
                ("cpu_period", got.cpu_period, want.cpu_period),
            ];
            let wrong: Vec<String> =
                fields.iter().filter(|(_, g, w)| g != w).map(|(f, g, w)| format!("{f} {g}, wanted {w}")).collect();
            if wrong.is_empty() {
                Ok("memory 128 MiB, cpu shares 256, quota 50000/100000".into())
            } else {
                Err(wrong.join("\n"))
            }
        });
        self.r.step("UpdateContainerResources, seen in ContainerStatus", outcome);

        let Some(pid) = self.procs.iter().find(|(n, _)| *n == "server").map(|(_, p)| p.pid) else {
            self.r.skip("the update in the cgroup files", "no pid for the server");
            return;
        };
        // v1 file and value, v2 file and value (cpu.weight is runc's
        // conversion of 256 shares).
        let files = [
            ("memory", "memory.limit_in_bytes", "134217728", "memory.max", "134217728"),
            ("cpu", "cpu.shares", "256", "cpu.weight", "10"),
            ("cpu", "cpu.cfs_quota_us", "50000", "cpu.max", "50000 100000"),
        ];
        let mut seen = Vec::new();
        let mut wrong = Vec::new();
        for (controller, v1, v1_want, v2, v2_want) in files {
            match host::cgroup_file(pid, controller, v1, v2) {
                Err(e) => wrong.push(e),
                Ok(path) => {
                    let want = if path.ends_with(v1) { v1_want } else { v2_want };
                    match std::fs::read_to_string(&path) {
                        Ok(v) if v.trim() == want => {
                            seen.push(format!("{} {}", path.file_name().unwrap_or_default().to_string_lossy(), want))
                        }
                        Ok(v) => wrong.push(format!("{}: {:?}, wanted {want}", path.display(), v.trim())),
                        Err(e) => wrong.push(format!("{}: {e}", path.display())),
                    }
                }
            }
        }
        let outcome = if wrong.is_empty() { Ok(seen.join(", ")) } else { Err(wrong.join("\n")) };
        self.r.step("the update in the cgroup files", outcome);
    }

    async fn oom(&mut self) {
        let Some(pod) = self.pod.clone() else { return };
        let mut config = container_config("oom", &self.o.image, &["/bin/sh", "-c", "tail /dev/zero"], 32 * MIB, 512);
        // No swap to escape to: the limit must end in the OOM killer.
        if let Some(r) = config.linux.as_mut().and_then(|l| l.resources.as_mut()) {
            r.memory_swap_limit_in_bytes = 32 * MIB;
        }
        let what = "CreateContainer, StartContainer: oom (32 MiB, tail /dev/zero)";
        let id = match self.cri.create_start(&pod, &self.config, config).await {
            Ok(id) => {
                self.r.ok(what);
                id
            }
            Err((id, e)) => {
                if let Some(id) = id {
                    self.containers.push(("oom", id.clone()));
                    self.ids.push(id);
                }
                self.r.fail(what, &e);
                return;
            }
        };
        self.containers.push(("oom", id.clone()));
        self.ids.push(id.clone());
        let started = Instant::now();
        let deadline = started + Duration::from_secs(30);
        let outcome = loop {
            match self.status(&id).await {
                Err(e) => break Err(e),
                Ok((s, _)) if s.state() == ContainerState::ContainerExited => {
                    break if s.reason == "OOMKilled" && s.exit_code == 137 {
                        Ok(format!("reason OOMKilled, exit 137, after {} ms", started.elapsed().as_millis()))
                    } else {
                        Err(format!("reason {:?}, exit {}, message {:?}", s.reason, s.exit_code, s.message))
                    };
                }
                Ok(_) if Instant::now() > deadline => break Err("still running after 30 s".into()),
                Ok(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        self.r.step("ContainerStatus of the OOM-killed container", outcome);
    }

    async fn list(&mut self) -> Res<Vec<(String, ContainerState)>> {
        let reply = answer(
            self.cri
                .rt
                .list_containers(ListContainersRequest {
                    filter: Some(ContainerFilter {
                        pod_sandbox_id: self.pod.clone().unwrap_or_default(),
                        ..Default::default()
                    }),
                })
                .await,
        )?;
        Ok(reply
            .containers
            .into_iter()
            .map(|c| {
                let state = c.state();
                (c.metadata.map(|m| m.name).unwrap_or_default(), state)
            })
            .collect())
    }

    async fn teardown(&mut self) {
        let outcome = self.list().await.and_then(|list| {
            let mut names: Vec<&str> = list.iter().map(|(n, _)| n.as_str()).collect();
            names.sort_unstable();
            let mut want: Vec<&str> = self.containers.iter().map(|(n, _)| *n).collect();
            want.sort_unstable();
            if names == want {
                Ok(list.iter().map(|(n, s)| format!("{n} {}", s.as_str_name())).collect::<Vec<_>>().join(", "))
            } else {
                Err(format!("listed {list:?}, made {want:?}"))
            }
        });
        self.r.step("ListContainers of the pod", outcome);

        for name in ["server", "client"] {
            let Some(id) = self.id(name) else { continue };
            let started = Instant::now();
            let outcome = match self.cri.stop_container(&id, 2).await {
                Err(e) => Err(e),
                Ok(()) => self.status(&id).await.and_then(|(s, _)| {
                    if s.state() == ContainerState::ContainerExited {
                        Ok(format!("exited, exit {}, {} ms", s.exit_code, started.elapsed().as_millis()))
                    } else {
                        Err(format!("state {:?}", s.state()))
                    }
                }),
            };
            self.r.step(&format!("StopContainer: {name}"), outcome);
        }

        let mut failed = Vec::new();
        for (name, id) in std::mem::take(&mut self.containers) {
            if let Err(e) = self.cri.remove_container(&id).await {
                failed.push(format!("{name}: {e}"));
                self.containers.push((name, id));
            }
        }
        let outcome = if !failed.is_empty() {
            Err(failed.join("\n"))
        } else {
            self.list().await.and_then(|list| {
                if list.is_empty() {
                    Ok("none listed".into())
                } else {
                    Err(format!("still listed: {list:?}"))
                }
            })
        };
        self.r.step("RemoveContainer of each", outcome);

        let Some(pod) = self.pod.clone() else { return };
        let outcome = match self.cri.stop_pod(&pod).await {
            Err(e) => Err(e),
            Ok(()) => answer(
                self.cri
                    .rt
                    .pod_sandbox_status(PodSandboxStatusRequest { pod_sandbox_id: pod.clone(), verbose: false })
                    .await,
            )
            .and_then(|r| match r.status.map(|s| s.state()) {
                Some(PodSandboxState::SandboxNotready) => Ok("not ready".into()),
                other => Err(format!("state {other:?}")),
            }),
        };
        self.r.step("StopPodSandbox", outcome);

        let outcome = match self.cri.remove_pod(&pod).await {
            Err(e) => Err(e),
            Ok(()) => {
                self.pod = None;
                answer(self.cri.rt.list_pod_sandbox(ListPodSandboxRequest { filter: None }).await).and_then(|r| {
                    if r.items.iter().any(|p| p.id == pod) {
                        Err("still listed".into())
                    } else {
                        Ok("not listed".into())
                    }
                })
            }
        };
        self.r.step("RemovePodSandbox", outcome);
    }

    /// After a failure on the way: whatever is still there goes, so that the
    /// checks below see what the runtime left, not what the test did not end.
    async fn cleanup(&mut self) {
        for (name, id) in std::mem::take(&mut self.containers) {
            let _ = self.cri.stop_container(&id, 0).await;
            if let Err(e) = self.cri.remove_container(&id).await {
                println!("# cleanup: RemoveContainer {name}: {e}");
            }
        }
        if let Some(pod) = self.pod.take() {
            let _ = self.cri.stop_pod(&pod).await;
            if let Err(e) = self.cri.remove_pod(&pod).await {
                println!("# cleanup: RemovePodSandbox: {e}");
            }
        }
    }

    /// Also after a RunPodSandbox that failed: a failed create must leave
    /// nothing either.
    async fn leftovers(&mut self) {
        // The shim and the last processes go a moment after the calls
        // return; give them a bounded while.
        let deadline = Instant::now() + Duration::from_secs(10);
        let pod_id = self.ids.first().cloned().unwrap_or_default();
        let mut procs;
        loop {
            procs = self.live_procs(&pod_id);
            if procs.is_empty() || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        match &self.o.runtime_root {
            None => self.r.skip("the runtime's --root is empty", "no --runtime-root"),
            Some(root) => {
                let outcome = host::entries(root).and_then(|e| {
                    if e.is_empty() {
                        Ok(root.display().to_string())
                    } else {
                        Err(format!("{}: {e:?}", root.display()))
                    }
                });
                self.r.step("the runtime's --root is empty", outcome);
            }
        }

        let outcome = match self.cgroup.as_mut() {
            None => Err("the pod's cgroup was not made".to_string()),
            Some(cg) => {
                let left = cg.children();
                if left.is_empty() {
                    cg.remove().map(|()| format!("{} had none, removed", cg.path))
                } else {
                    Err(left.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("\n"))
                }
            }
        };
        self.r.step("no cgroups left under the pod's cgroup", outcome);

        let mut words: Vec<&str> = self.ids.iter().map(String::as_str).collect();
        if let Some(ns) = &self.netns {
            words.push(ns);
        }
        let left = host::mounts_naming(&words);
        let outcome = if left.is_empty() { Ok(String::new()) } else { Err(left.join("\n")) };
        self.r.step("no mounts of the pod or its containers left", outcome);

        let mut left = Vec::new();
        if let Some(ns) = &self.netns {
            if Path::new(ns).exists() {
                left.push(ns.clone());
            }
        }
        if let Some(dir) = &self.o.netns_dir {
            match host::entries(dir) {
                Ok(e) => left.extend(e.into_iter().map(|n| dir.join(n).display().to_string())),
                Err(e) => left.push(e),
            }
        }
        let outcome = match (&self.netns, left.is_empty()) {
            (_, false) => Err(left.join("\n")),
            (None, true) if pod_id.is_empty() => Ok("no pod was made".into()),
            (None, true) => Err("no netns path was seen in the pod's spec".into()),
            (Some(ns), true) => Ok(format!("{ns} gone")),
        };
        self.r.step("no network namespace left", outcome);

        let outcome = if procs.is_empty() { Ok(String::new()) } else { Err(procs.join("\n")) };
        self.r.step("no process left: pause, containers, shim", outcome);
    }

    fn live_procs(&self, pod_id: &str) -> Vec<String> {
        let mut left: Vec<String> =
            self.procs.iter().filter(|(_, p)| p.alive()).map(|(n, p)| format!("{n} (pid {})", p.pid)).collect();
        left.extend(
            host::procs_in_cgroup(&self.o.cgroup_parent)
                .into_iter()
                .map(|pid| format!("pid {pid} in {}", self.o.cgroup_parent)),
        );
        if !pod_id.is_empty() {
            left.extend(host::procs_naming(pod_id).into_iter().map(|(pid, cmd)| format!("pid {pid}: {cmd}")));
        }
        left
    }
}

/// Waits (a bounded while: containerd writes the log as the output comes)
/// for the server's two lines, and checks every line's form:
/// `TIMESTAMP STREAM TAG CONTENT`, TAG F for a full line or P for a part.
async fn read_log(path: &Path) -> Res<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut out = false;
        let mut err = false;
        for line in text.lines() {
            let mut parts = line.splitn(4, ' ');
            let (Some(time), Some(stream), Some(tag), Some(content)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(format!("not a CRI log line: {line:?}"));
            };
            let timestamp = time.len() >= 20
                && time.as_bytes().get(10) == Some(&b'T')
                && (time.ends_with('Z') || time.contains('+'));
            if !timestamp || !["stdout", "stderr"].contains(&stream) || !["F", "P"].contains(&tag) {
                return Err(format!("not a CRI log line: {line:?}"));
            }
            out |= stream == "stdout" && tag == "F" && content == "server-started";
            err |= stream == "stderr" && tag == "F" && content == "server-stderr";
        }
        if out && err {
            return Ok(format!("{}: stdout and stderr lines", path.display()));
        }
        if Instant::now() > deadline {
            return Err(format!("{}:\n{text}", path.display()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
