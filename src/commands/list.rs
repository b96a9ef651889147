//! `list`: every container under --root.

use crate::cli::{GlobalOpts, ListArgs, ListFormat};
use anyhow::Result;

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
    if a.quiet {
        for s in &states {
            println!("{}", s.id);
        }
        return Ok(0);
    }
    match a.format {
        ListFormat::Json => {
            let v: Vec<_> = states.iter().map(|s| s.oci_json()).collect();
            println!("{}", serde_json::to_string(&v)?);
        }
        ListFormat::Table => {
            let mut rows = vec![["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"].map(String::from).to_vec()];
            for s in &states {
                let j = s.oci_json();
                rows.push(vec![
                    s.id.clone(),
                    j["pid"].to_string(),
                    s.status().as_str().into(),
                    s.bundle.display().to_string(),
                    s.created.clone(),
                    s.owner.clone(),
                ]);
            }
            print_table(&rows);
        }
    }
    Ok(0)
}

fn print_table(rows: &[Vec<String>]) {
    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols).map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0)).collect();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, v)| if i + 1 == cols { v.clone() } else { format!("{v:<w$}", w = widths[i]) })
            .collect();
        println!("{}", line.join("   ").trim_end());
    }
}
