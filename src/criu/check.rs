//! Whether CRIU can work on this host at all, asked before a checkpoint
//! touches the container: `criu check` tests the kernel features it needs.
//! Where it fails (Debian's CRIU 3.17 on kernels from 6.13 on: "vdso:
//! Unexpected rt vDSO area bounds"), its first error line is the cause.

use super::Error;
use crate::error::Result;

pub fn usable() -> Result<()> {
    let out = std::process::Command::new("criu")
        .arg("check")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::NotInstalled { os: e.into() })?;
    if out.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    Err(Error::Unusable { cause: cause(&text), status: out.status.code() }.into())
}

/// The line that says why: the first `Error (...)` line, without CRIU's
/// source position, else the last line it printed.
fn cause(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let error = lines.iter().find(|l| l.starts_with("Error") && !l.contains("tun:"));
    match error.or(lines.last()) {
        Some(line) => match line.split_once("): ") {
            Some((head, rest)) if head.starts_with("Error (") => rest.to_string(),
            _ => line.to_string(),
        },
        None => "no output".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cause_is_criu_s_first_real_error() {
        let text = "Warn  (criu/kerndat.c:1103): CRIU was built without libnftables support\n\
                    Error (criu/vdso.c:300): vdso: Unexpected rt vDSO area bounds\n\
                    Error (criu/cr-check.c:1233): Failed to set up kerndat\n";
        assert_eq!(super::cause(text), "vdso: Unexpected rt vDSO area bounds");
        let tun = "Error (criu/tun.c:85): tun: Unable to create tun: No such file or directory\nBad\n";
        assert_eq!(super::cause(tun), "Bad");
        assert_eq!(super::cause(""), "no output");
    }
}
