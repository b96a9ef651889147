//! `list`: every container under --root.

use crate::cli::{GlobalOpts, ListArgs, ListFormat};
use crate::error::{Result, SysResult};

pub fn run(g: &GlobalOpts, a: &ListArgs) -> Result<i32> {
    let mut states = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&g.root) {
        for e in entries.flatten() {
            if let Ok(s) = crate::state::read_state(&e.path()) {
                states.push(s);
            }
        }
    }
    states.sort_by(|a, b| a.id.cmp(&b.id));
    // One write for the whole listing, not one per line.
    let text = if a.quiet {
        states.iter().map(|s| format!("{}\n", s.id)).collect()
    } else {
        match a.format {
            ListFormat::Json => {
                // Entry by entry, keys in order; a bundle path that is not
                // UTF-8 has no JSON string: that container is named.
                let entries = states
                    .iter()
                    .map(|s| {
                        serde_json::to_string(&Entry::of(s)).map_err(|e| crate::Error::container(&s.id, e.to_string()))
                    })
                    .collect::<Result<Vec<_>>>()?;
                format!("[{}]\n", entries.join(","))
            }
            ListFormat::Table => table(&states),
        }
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes()).sys("write the list to stdout")?;
    Ok(0)
}

/// One container in `list --format json`, keys in runc's order (engines
/// and scripts that read it as text rely on it), then the extras.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    oci_version: &'a str,
    id: &'a str,
    pid: i32,
    status: &'static str,
    bundle: &'a std::path::Path,
    rootfs: &'a std::path::Path,
    created: &'a str,
    owner: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<&'a std::collections::HashMap<String, String>>,
}

impl<'a> Entry<'a> {
    fn of(s: &'a crate::state::State) -> Entry<'a> {
        let status = s.status();
        Entry {
            oci_version: &s.oci_version,
            id: &s.id,
            pid: if status == crate::state::Status::Stopped { 0 } else { s.pid },
            status: status.as_str(),
            bundle: &s.bundle,
            rootfs: &s.rootfs,
            created: &s.created,
            owner: &s.owner,
            annotations: Some(&s.annotations).filter(|a| !a.is_empty()),
        }
    }
}

fn table(states: &[crate::state::State]) -> String {
    let mut rows = vec![["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"].map(String::from).to_vec()];
    for s in states {
        // Each status looks at /proc once.
        let status = s.status();
        let pid = if status == crate::state::Status::Stopped { 0 } else { s.pid };
        rows.push(vec![
            s.id.clone(),
            pid.to_string(),
            status.as_str().into(),
            s.bundle.display().to_string(),
            s.created.clone(),
            s.owner.clone(),
        ]);
    }
    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols).map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, v)| if i + 1 == cols { v.clone() } else { format!("{v:<w$}", w = widths[i]) })
            .collect();
        out.push_str(line.join("   ").trim_end());
        out.push('\n');
    }
    out
}
