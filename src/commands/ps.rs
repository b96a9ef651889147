//! `ps`: the processes of a container. `--format json` prints their pids
//! (`state::members`); the table is the host's `ps` (with the given arguments,
//! `-ef` by default) cut down to its header and the container's lines, as
//! runc does.

use crate::cli::{GlobalOpts, PsArgs, PsFormat};
use crate::error::{Result, SysResult};

pub fn run(g: &GlobalOpts, a: &PsArgs) -> Result<i32> {
    let state = crate::state::load(&g.root, &a.id)?;
    let pids = crate::state::members::pids(&state)?;
    match a.format {
        PsFormat::Json => println!("{}", serde_json::Value::from(pids)),
        PsFormat::Table => {
            let args: Vec<String> = if a.ps_args.is_empty() { vec!["-ef".into()] } else { a.ps_args.clone() };
            let lines = host_ps(&args)
                .and_then(|out| table(&out, &pids))
                .map_err(|e| crate::Error::Ps { args, reason: Box::new(e) })?;
            print!("{lines}");
        }
    }
    Ok(0)
}

fn host_ps(args: &[String]) -> Result<String> {
    let out = std::process::Command::new("ps").args(args).output().sys("run")?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(format!("{} ({})", why.lines().next().unwrap_or("").trim(), out.status).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The header and the lines whose PID column is one of `pids`.
pub fn table(ps_output: &str, pids: &[i32]) -> Result<String> {
    let mut lines = ps_output.lines();
    let header = lines.next().unwrap_or("");
    let column = header
        .split_whitespace()
        .position(|f| f == "PID")
        .ok_or_else(|| crate::Error::from(format!("output has no PID column (header {header:?})")))?;
    let mut out = format!("{header}\n");
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let field = line.split_whitespace().nth(column).unwrap_or("");
        let pid: i32 = field
            .parse()
            .map_err(|_| crate::Error::from(format!("output: {field:?} in the PID column of {line:?}")))?;
        if pids.contains(&pid) {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_header_and_the_containers_lines() {
        let ps = "UID   PID  PPID  C STIME TTY  TIME CMD\nroot    1     0  0 10:00 ?    00:00:01 /sbin/init\nroot  420     1  0 10:01 ?    00:00:00 /probe sleep 30\n";
        let t = table(ps, &[420]).unwrap();
        assert_eq!(t.lines().collect::<Vec<_>>(), vec![ps.lines().next().unwrap(), ps.lines().nth(2).unwrap()]);
        assert!(table("USER COMMAND\nroot x\n", &[1]).unwrap_err().to_string().contains("no PID column"));
    }
}
