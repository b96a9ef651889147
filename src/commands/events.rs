//! `events`: the container's resource usage (`--stats`: once), or a stream of
//! stats every `--interval` and OOM events as they happen, until the
//! container stops. One JSON object per line, as runc prints them.
//!
//! Single-threaded: one poll(2) waits on init's pidfd (the container
//! stopping), the OOM watch's fd (an eventfd on v1, inotify on v2; see
//! `cgroups::stats::OomWatch`) and the time of the next stats line.

use crate::cgroups::{self, stats, Bound};
use crate::cli::{EventsArgs, GlobalOpts};
use crate::error::{About, Result, SysResult};
use crate::state::{State, Status};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use serde::Serialize;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

pub fn run(g: &GlobalOpts, a: &EventsArgs) -> Result<i32> {
    let interval = parse_duration(&a.interval)
        .and_then(|d| if d.is_zero() { Err("must be greater than 0".into()) } else { Ok(d) })
        .map_err(|e| crate::Error::flag("--interval", format!("{:?}: {e}", a.interval)))?;
    let state = crate::state::load(&g.root, &a.id)?;
    if let s @ (Status::Stopped | Status::Creating) = state.status() {
        return Err(super::Error::wrong_status("events", s)).in_container(&a.id);
    }
    if a.stats {
        print(&stats_event(&a.id, &cgroups::bind(&state.cgroups)?)?)?;
        return Ok(0);
    }
    if state.cgroups.none_delegated {
        // A rootless container without a cgroup has no figures and no OOM
        // events to give; the stream still ends when the container does.
        crate::logging::warn("events: the container has no cgroup (rootless, none delegated): no stats, no OOM events");
        return stream(&state, None, interval);
    }
    stream(&state, Some(&cgroups::bind(&state.cgroups)?), interval)
}

/// One line of output, fields in runc's order.
#[derive(Serialize)]
struct Event<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<stats::Stats>,
}

fn stats_event<'a>(id: &'a str, cg: &Bound) -> Result<Event<'a>> {
    Ok(Event { kind: "stats", id, data: Some(stats::read(cg)?) })
}

fn print(event: &Event) -> Result<()> {
    let line = serde_json::to_string(event).map_err(|e| crate::Error::container(event.id, e.to_string()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).sys("write events to stdout")
}

/// Until init exits: OOM events as soon as the watch wakes us, stats each
/// interval (a stats read that fails is logged and skipped, as runc does).
fn stream(state: &State, cg: Option<&Bound>, interval: Duration) -> Result<i32> {
    let Some(init) = state.init() else { return Ok(0) };
    let mut oom = cg.and_then(stats::OomWatch::new);
    if oom.is_none() {
        crate::logging::debug("events: no memory controller, no OOM events");
    }
    let mut next = Instant::now() + interval;
    loop {
        let recheck = oom.as_mut().and_then(|w| w.recheck_at());
        let exited = wait(&init.fd, oom.as_ref(), recheck.map_or(next, |r| r.min(next)))?;
        if let Some(w) = oom.as_mut() {
            for _ in 0..w.new_ooms() {
                print(&Event { kind: "oom", id: &state.id, data: None })?;
            }
        }
        if exited {
            return Ok(0);
        }
        if let Some(cg) = cg.filter(|_| Instant::now() >= next) {
            match stats_event(&state.id, cg) {
                Ok(event) => print(&event)?,
                Err(e) => crate::logging::warn(&format!("events: {e:#}")),
            }
            // Ticks missed while we could not run (a stopped terminal) are dropped, as Go's are.
            next = (next + interval).max(Instant::now());
        }
    }
}

/// Sleeps until `deadline`, init's exit or the OOM watch's wakeup. Returns
/// whether init has exited.
fn wait(init: &OwnedFd, oom: Option<&stats::OomWatch>, deadline: Instant) -> Result<bool> {
    let left = deadline.saturating_duration_since(Instant::now());
    let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
    let mut fds = vec![PollFd::new(init.as_fd(), PollFlags::POLLIN)];
    if let Some(fd) = oom.and_then(|w| w.fd()) {
        fds.push(PollFd::new(fd, PollFlags::POLLIN));
    }
    match poll(&mut fds, timeout) {
        Ok(_) | Err(nix::errno::Errno::EINTR) => {}
        Err(e) => return Err(e).sys("poll"),
    }
    Ok(fds[0].revents().is_some_and(|r| !r.is_empty()))
}

/// A duration as Go writes one (runc's --interval): a sequence of decimal
/// numbers with units, such as 5s, 500ms, 1m30s or 1.5h; units are ns, us
/// (or µs), ms, s, m and h. "0" alone needs no unit. Negative ones are
/// refused: an interval cannot be.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.strip_prefix('+').unwrap_or(text);
    if s.starts_with('-') {
        return Err("must be greater than 0".into());
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let (number, after) = split_number(rest).ok_or("expected a number such as 5 or 1.5")?;
        let (nanos, after) = split_unit(after).ok_or("expected a unit: ns, us, ms, s, m or h")?;
        total += number * nanos;
        rest = after;
    }
    if total >= u64::MAX as f64 {
        return Err("too long".into());
    }
    Ok(Duration::from_nanos(total as u64))
}

/// A leading "12", "1.5" or ".5".
fn split_number(s: &str) -> Option<(f64, &str)> {
    let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let digits = &s[..end];
    if digits.is_empty() || digits == "." || digits.matches('.').count() > 1 {
        return None;
    }
    Some((digits.parse().ok()?, &s[end..]))
}

/// A leading unit, as its length in nanoseconds.
fn split_unit(s: &str) -> Option<(f64, &str)> {
    const UNITS: [(&str, f64); 8] =
        [("ns", 1.0), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)];
    // "ms" before "m" and "s": the table is ordered so that the longer match wins.
    UNITS.iter().find_map(|(unit, nanos)| s.strip_prefix(unit).map(|rest| (*nanos, rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        for (text, want) in [
            ("5s", Duration::from_secs(5)),
            ("500ms", Duration::from_millis(500)),
            ("1m30s", Duration::from_secs(90)),
            ("1.5h", Duration::from_secs(5400)),
            (".5s", Duration::from_millis(500)),
            ("250us", Duration::from_micros(250)),
            ("250µs", Duration::from_micros(250)),
            ("10ns", Duration::from_nanos(10)),
            ("1h2m3s4ms", Duration::from_millis(3_723_004)),
            ("0", Duration::ZERO),
            ("+2s", Duration::from_secs(2)),
        ] {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
        for bad in ["", "5", "s", "-1s", "1.2.3s", "5x", "5 s", "1e3s", "."] {
            assert!(parse_duration(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
