//! The gRPC connection and the requests the kubelet would build.

use crate::report::Res;
use k8s_cri::v1::image_service_client::ImageServiceClient;
use k8s_cri::v1::runtime_service_client::RuntimeServiceClient;
use k8s_cri::v1::{
    ContainerConfig, ContainerMetadata, CreateContainerRequest, ImageSpec, LinuxContainerConfig,
    LinuxContainerResources, LinuxContainerSecurityContext, LinuxPodSandboxConfig, LinuxSandboxSecurityContext,
    NamespaceMode, NamespaceOption, PodSandboxConfig, PodSandboxMetadata, RemoveContainerRequest,
    RemovePodSandboxRequest, RunPodSandboxRequest, StartContainerRequest, StopContainerRequest, StopPodSandboxRequest,
};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tonic::transport::{Channel, Endpoint};

pub struct Cri {
    pub rt: RuntimeServiceClient<Channel>,
    pub im: ImageServiceClient<Channel>,
}

pub async fn connect(socket: &Path) -> Res<Cri> {
    let endpoint = Endpoint::from_shared(format!("unix://{}", socket.display()))
        .map_err(|e| format!("socket path {}: {e}", socket.display()))?
        .connect_timeout(Duration::from_secs(5))
        // A hung containerd must end as a failed step, not a hung test: no
        // call of the scenario takes more than a few seconds when it works.
        .timeout(Duration::from_secs(60));
    let channel = endpoint.connect().await.map_err(|e| format!("connect to {}: {e:?}", socket.display()))?;
    Ok(Cri { rt: RuntimeServiceClient::new(channel.clone()), im: ImageServiceClient::new(channel) })
}

/// A call's answer, or its gRPC status as one line.
pub fn answer<T>(reply: Result<tonic::Response<T>, tonic::Status>) -> Res<T> {
    reply.map(tonic::Response::into_inner).map_err(|s| format!("{:?}: {}", s.code(), s.message()))
}

/// Unique enough for pod uids: the kubelet's are UUIDs, containerd only
/// needs them distinct across the pods it knows.
pub fn unique(name: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{name}-{}-{nanos}", std::process::id())
}

/// The kubelet's default: the pod's network and IPC namespaces shared by
/// its containers, a pid namespace per container. It says so twice, in the
/// pod's config and in each container's: containerd reads the pid mode of a
/// container from the container's.
fn namespaces() -> NamespaceOption {
    NamespaceOption {
        network: NamespaceMode::Pod as i32,
        pid: NamespaceMode::Container as i32,
        ipc: NamespaceMode::Pod as i32,
        ..Default::default()
    }
}

/// A pod as the kubelet describes it, with its cgroup as parent and a log
/// directory.
pub fn pod_config(name: &str, log_directory: &Path, cgroup_parent: &str) -> PodSandboxConfig {
    PodSandboxConfig {
        metadata: Some(PodSandboxMetadata {
            name: name.into(),
            uid: unique(name),
            namespace: "berth-cri-test".into(),
            attempt: 0,
        }),
        hostname: name.into(),
        log_directory: log_directory.display().to_string(),
        linux: Some(LinuxPodSandboxConfig {
            cgroup_parent: cgroup_parent.into(),
            security_context: Some(LinuxSandboxSecurityContext {
                namespace_options: Some(namespaces()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn container_config(name: &str, image: &str, argv: &[&str], memory: i64, cpu_shares: i64) -> ContainerConfig {
    ContainerConfig {
        metadata: Some(ContainerMetadata { name: name.into(), attempt: 0 }),
        image: Some(ImageSpec { image: image.into(), ..Default::default() }),
        command: argv.iter().take(1).map(|s| s.to_string()).collect(),
        args: argv.iter().skip(1).map(|s| s.to_string()).collect(),
        log_path: format!("{name}.log"),
        linux: Some(LinuxContainerConfig {
            resources: Some(LinuxContainerResources {
                memory_limit_in_bytes: memory,
                cpu_shares,
                ..Default::default()
            }),
            security_context: Some(LinuxContainerSecurityContext {
                namespace_options: Some(namespaces()),
                ..Default::default()
            }),
        }),
        ..Default::default()
    }
}

impl Cri {
    pub async fn run_pod(&mut self, config: &PodSandboxConfig, handler: &str) -> Res<String> {
        let reply = answer(
            self.rt
                .run_pod_sandbox(RunPodSandboxRequest { config: Some(config.clone()), runtime_handler: handler.into() })
                .await,
        )?;
        Ok(reply.pod_sandbox_id)
    }

    /// CreateContainer then StartContainer; the id is returned even when
    /// the start fails, so that the caller can remove what was made.
    pub async fn create_start(
        &mut self,
        pod: &str,
        pod_config: &PodSandboxConfig,
        config: ContainerConfig,
    ) -> Result<String, (Option<String>, String)> {
        let id = answer(
            self.rt
                .create_container(CreateContainerRequest {
                    pod_sandbox_id: pod.into(),
                    config: Some(config),
                    sandbox_config: Some(pod_config.clone()),
                })
                .await,
        )
        .map_err(|e| (None, format!("CreateContainer: {e}")))?
        .container_id;
        answer(self.rt.start_container(StartContainerRequest { container_id: id.clone() }).await)
            .map_err(|e| (Some(id.clone()), format!("StartContainer: {e}")))?;
        Ok(id)
    }

    pub async fn stop_container(&mut self, id: &str, timeout: i64) -> Res<()> {
        answer(self.rt.stop_container(StopContainerRequest { container_id: id.into(), timeout }).await).map(drop)
    }

    pub async fn remove_container(&mut self, id: &str) -> Res<()> {
        answer(self.rt.remove_container(RemoveContainerRequest { container_id: id.into() }).await).map(drop)
    }

    pub async fn stop_pod(&mut self, id: &str) -> Res<()> {
        answer(self.rt.stop_pod_sandbox(StopPodSandboxRequest { pod_sandbox_id: id.into() }).await).map(drop)
    }

    pub async fn remove_pod(&mut self, id: &str) -> Res<()> {
        answer(self.rt.remove_pod_sandbox(RemovePodSandboxRequest { pod_sandbox_id: id.into() }).await).map(drop)
    }
}

/// containerd's verbose status keeps its own view under `info`, as JSON:
/// the init's pid and the OCI spec it gave the runtime.
pub fn verbose_info(info: &std::collections::HashMap<String, String>) -> Res<serde_json::Value> {
    let text = info.get("info").ok_or("the verbose status has no \"info\" entry")?;
    serde_json::from_str(text).map_err(|e| format!("verbose info is not JSON: {e}"))
}

pub fn info_pid(info: &serde_json::Value) -> Res<u32> {
    info.get("pid")
        .and_then(serde_json::Value::as_u64)
        .and_then(|p| u32::try_from(p).ok())
        .filter(|&p| p > 0)
        .ok_or_else(|| "verbose info has no pid".to_string())
}

/// The path of the network namespace containerd pinned for the pod, from the
/// spec it gave the runtime for the pause container.
pub fn info_netns(info: &serde_json::Value) -> Option<String> {
    info.pointer("/runtimeSpec/linux/namespaces")?
        .as_array()?
        .iter()
        .find(|ns| ns.get("type").and_then(|t| t.as_str()) == Some("network"))?
        .get("path")?
        .as_str()
        .map(str::to_string)
}
