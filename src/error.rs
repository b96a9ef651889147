//! An error that carries the exit status berth should end with.

use std::fmt;

#[derive(Debug)]
pub struct ExitError {
    pub code: i32,
    pub msg: String,
}

impl ExitError {
    pub fn new(code: i32, msg: impl Into<String>) -> Self {
        ExitError { code, msg: msg.into() }
    }
}

impl fmt::Display for ExitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for ExitError {}

/// The exit status for an error chain: the first ExitError's, else
/// `otherwise` (1; 255 for `exec`, whose failures before the process exists
/// engines tell from the process's own status by it, as runc's).
pub fn exit_code(e: &anyhow::Error, otherwise: i32) -> i32 {
    e.chain().find_map(|c| c.downcast_ref::<ExitError>()).map_or(otherwise, |x| x.code)
}

/// A path for a message: as it reads when it is UTF-8, escaped (`"\xFF"`)
/// when it is not, so the bytes that were given can be told apart.
pub fn shown(p: &std::path::Path) -> String {
    match p.to_str() {
        Some(s) => s.to_string(),
        None => format!("{:?}", p.as_os_str()),
    }
}

/// `msg` on one line: control characters (a newline inside a value echoed
/// back, say) escaped, so every error stays the one line it is reported as.
pub fn one_line(msg: &str) -> String {
    if !msg.chars().any(char::is_control) {
        return msg.to_string();
    }
    msg.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}
