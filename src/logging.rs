//! runc-compatible logging: `--log FILE` (appended), `--log-format text|json`.
//!
//! Engines read this file: containerd shows the last `error` line, podman reads
//! one JSON object. So every error reaches the log exactly once, from `main`.
//! No threads and no global logger crate: one static, set before any work.

use crate::error::{About, SysResult};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warning",
            Level::Error => "error",
        }
    }
}

struct Logger {
    file: Option<File>,
    format: LogFormat,
    debug: bool,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();

/// Opens the log file (O_APPEND|O_CLOEXEC, so it never leaks into a container).
/// How log lines are written: logrus's text form, or one JSON object each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

pub fn init(path: Option<&Path>, format: LogFormat, debug: bool) -> crate::error::Result<()> {
    let file = match path {
        Some(p) => Some(
            OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .custom_flags(libc::O_CLOEXEC)
                .open(p)
                .sys_at("open", p)
                .flag("--log")?,
        ),
        None => None,
    };
    let _ = LOGGER.set(Logger { file, format, debug });
    Ok(())
}

/// True when a log file was given; `main` then prints errors to stderr as well.
pub fn has_file() -> bool {
    LOGGER.get().is_some_and(|l| l.file.is_some())
}

pub fn log(level: Level, msg: &str) {
    let Some(logger) = LOGGER.get() else {
        if level >= Level::Warn {
            eprintln!("{}: {msg}", level.name());
        }
        return;
    };
    if level == Level::Debug && !logger.debug {
        return;
    }
    let line = match logger.format {
        LogFormat::Json => {
            let obj = serde_json::json!({"level": level.name(), "msg": msg, "time": rfc3339_now()});
            format!("{obj}\n")
        }
        LogFormat::Text => format!("time=\"{}\" level={} msg={:?}\n", rfc3339_now(), level.name(), msg),
    };
    match &logger.file {
        // One write(2) per line so concurrent writers under O_APPEND never interleave.
        Some(f) => {
            let _ = (&*f).write_all(line.as_bytes());
        }
        None => {
            // Without a log file, text goes to stderr; errors are printed by main.
            if level != Level::Error {
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        }
    }
}

pub fn debug(msg: &str) {
    log(Level::Debug, msg)
}
pub fn warn(msg: &str) {
    log(Level::Warn, msg)
}

/// UTC time as RFC 3339 with nanoseconds, as Go's logrus writes it.
pub fn rfc3339_now() -> String {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    rfc3339(d.as_secs() as i64, d.subsec_nanos())
}

pub fn rfc3339(secs: i64, nanos: u32) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(rfc3339(951_782_400, 5), "2000-02-29T00:00:00.000000005Z");
        assert_eq!(rfc3339(1_795_430_667, 0), "2026-11-23T10:44:27.000000000Z");
    }
}
