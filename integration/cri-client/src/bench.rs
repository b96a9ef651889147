//! `--bench N`: pod start times through the CRI (see the crate's doc for
//! the output).

use crate::cri::{self, container_config, pod_config, Cri};
use crate::host::PodCgroup;
use crate::report::Res;
use crate::Opts;
use std::time::Instant;

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => 0.0,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

pub async fn run(o: &Opts, n: u32) -> bool {
    match measure(o, n).await {
        Ok((starts, teardowns)) => {
            let report = serde_json::json!({
                "handler": o.handler,
                "runs": n,
                "median_ms": median(&starts),
                "durations_ms": starts,
                "teardown_median_ms": median(&teardowns),
                "teardown_ms": teardowns,
            });
            println!("{report}");
            true
        }
        Err(e) => {
            eprintln!("berth-cri-client --bench: {e}");
            false
        }
    }
}

async fn measure(o: &Opts, n: u32) -> Res<(Vec<f64>, Vec<f64>)> {
    let mut cri = cri::connect(&o.socket).await?;
    let (mut cgroup, _) = PodCgroup::make(&o.cgroup_parent)?;
    let mut starts = Vec::new();
    let mut teardowns = Vec::new();
    for i in 0..n {
        let name = format!("bench-{}-{i}", o.handler);
        let log_dir = o.log_dir.join(&name);
        std::fs::create_dir_all(&log_dir).map_err(|e| format!("{}: {e}", log_dir.display()))?;
        let config = pod_config(&name, &log_dir, &o.cgroup_parent);
        let container = container_config("sleep", &o.image, &["sleep", "3600"], 0, 0);

        let t = Instant::now();
        let pod = cri.run_pod(&config, &o.handler).await.map_err(|e| format!("RunPodSandbox {i}: {e}"))?;
        let started = cri.create_start(&pod, &config, container).await;
        let elapsed = t.elapsed();
        let id = match started {
            Ok(id) => id,
            Err((id, e)) => {
                let _ = teardown(&mut cri, &pod, id.as_deref()).await;
                return Err(format!("pod {i}: {e}"));
            }
        };
        starts.push(ms(elapsed));

        let t = Instant::now();
        teardown(&mut cri, &pod, Some(&id)).await?;
        teardowns.push(ms(t.elapsed()));
        // Each pod's logs are a few bytes; leave nothing behind anyway.
        let _ = std::fs::remove_dir_all(&log_dir);
    }
    cgroup.remove()?;
    Ok((starts, teardowns))
}

async fn teardown(cri: &mut Cri, pod: &str, container: Option<&str>) -> Res<()> {
    if let Some(id) = container {
        // Timeout 0: SIGKILL at once; `sleep` as pid 1 ignores SIGTERM.
        cri.stop_container(id, 0).await?;
        cri.remove_container(id).await?;
    }
    cri.stop_pod(pod).await?;
    cri.remove_pod(pod).await
}
