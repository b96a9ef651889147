//! A container's resource usage read from its cgroup files, in the shape of
//! runc's `events --stats`, and the OOM-kill watch `events` streams from.
//!
//! Each controller is read where the host keeps it: its v1 hierarchy, else
//! the v2 tree. A file this kernel lacks reads as zero; a file that exists
//! but cannot be read is an error naming it. The parsers are pure functions
//! of the file text.

use super::Bound;
use super::Error;
use crate::error::{OsError, Result, SysError, SysResult};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub cpu: Cpu,
    pub memory: Memory,
    pub pids: Pids,
    pub blkio: Blkio,
    pub hugetlb: BTreeMap<String, Hugetlb>,
}

#[derive(Debug, Default, Serialize)]
pub struct Cpu {
    pub usage: CpuUsage,
    pub throttling: Throttling,
}

/// Nanoseconds, like every cpu time here.
#[derive(Debug, Default, Serialize)]
pub struct CpuUsage {
    pub total: u64,
    pub percpu: Vec<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub percpu_kernel: Vec<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub percpu_user: Vec<u64>,
    pub kernel: u64,
    pub user: u64,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Throttling {
    pub periods: u64,
    pub throttled_periods: u64,
    pub throttled_time: u64,
}

/// Bytes. An unlimited v2 limit reads as u64::MAX (v1 shows its own large number).
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct MemoryEntry {
    pub limit: u64,
    pub usage: u64,
    pub max: u64,
    pub failcnt: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct Memory {
    pub cache: u64,
    pub usage: MemoryEntry,
    /// Memory plus swap, as v1 counts it (v2 figures are added up to match).
    pub swap: MemoryEntry,
    pub kernel: MemoryEntry,
    #[serde(rename = "kernelTCP")]
    pub kernel_tcp: MemoryEntry,
    /// memory.stat as it is.
    pub raw: BTreeMap<String, u64>,
}

/// A limit of 0 means none, as runc reports it.
#[derive(Debug, Default, Serialize)]
pub struct Pids {
    pub current: u64,
    pub limit: u64,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Blkio {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub io_service_bytes_recursive: Vec<BlkioEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub io_serviced_recursive: Vec<BlkioEntry>,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct BlkioEntry {
    pub major: u64,
    pub minor: u64,
    pub op: String,
    pub value: u64,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Hugetlb {
    pub usage: u64,
    pub max: u64,
    pub failcnt: u64,
}

/// Reads every controller's figures for the container.
pub fn read(cg: &Bound) -> Result<Stats> {
    let v2 = cg.v2().map(|(_, d)| d);
    let memory = match (cg.v1("memory"), v2) {
        (Some(dir), _) => memory_v1(dir)?,
        (None, Some(dir)) => memory_v2(dir)?,
        (None, None) => Memory::default(),
    };
    let blkio = match (cg.v1("blkio"), v2) {
        (Some(dir), _) => blkio_v1(dir)?,
        (None, Some(dir)) => blkio_v2(dir)?,
        (None, None) => Blkio::default(),
    };
    let hugetlb = match (cg.v1("hugetlb"), v2) {
        (Some(dir), _) => hugetlb(dir, false)?,
        (None, Some(dir)) => hugetlb(dir, true)?,
        (None, None) => BTreeMap::new(),
    };
    Ok(Stats {
        cpu: Cpu { usage: cpu_usage(cg.v1("cpuacct"), v2)?, throttling: throttling(cg.v1("cpu"), v2)? },
        memory,
        pids: pids(cg.v1("pids").or(v2))?,
        blkio,
        hugetlb,
    })
}

// ---------------------------------------------------------------------------
// Parsers: file text in, numbers out.

/// One number, or `max` (v2's "no limit") as u64::MAX.
pub fn parse_value(text: &str) -> Option<u64> {
    match text.trim() {
        "max" => Some(u64::MAX),
        t => t.parse().ok(),
    }
}

/// "key value" lines (memory.stat, cpu.stat, memory.events, oom_control...);
/// lines that are not a key and a number are skipped.
pub fn parse_keyed(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), parse_value(v)?))
        })
        .collect()
}

/// Space-separated numbers (cpuacct.usage_percpu).
pub fn parse_list(text: &str) -> Vec<u64> {
    text.split_whitespace().filter_map(|n| n.parse().ok()).collect()
}

/// v1 blkio lines, "8:0 Read 4096"; the closing "Total N" has no device and
/// is left out, as runc does.
pub fn parse_blkio_v1(text: &str) -> Vec<BlkioEntry> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (major, minor) = parse_device(f.next()?)?;
            let op = f.next()?.to_string();
            let value = f.next()?.parse().ok()?;
            Some(BlkioEntry { major, minor, op, value })
        })
        .collect()
}

/// v2 io.stat lines, "8:0 rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N":
/// bytes and operations, as runc lists them (Read, Write, Discard).
pub fn parse_io_stat(text: &str) -> (Vec<BlkioEntry>, Vec<BlkioEntry>) {
    let (mut bytes, mut ios) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let Some((major, minor)) = f.next().and_then(parse_device) else { continue };
        for kv in f {
            let Some((key, value)) = kv.split_once('=') else { continue };
            let Ok(value) = value.parse() else { continue };
            let (list, op) = match key {
                "rbytes" => (&mut bytes, "Read"),
                "wbytes" => (&mut bytes, "Write"),
                "dbytes" => (&mut bytes, "Discard"),
                "rios" => (&mut ios, "Read"),
                "wios" => (&mut ios, "Write"),
                "dios" => (&mut ios, "Discard"),
                _ => continue,
            };
            list.push(BlkioEntry { major, minor, op: op.into(), value });
        }
    }
    (bytes, ios)
}

fn parse_device(s: &str) -> Option<(u64, u64)> {
    let (major, minor) = s.split_once(':')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

// ---------------------------------------------------------------------------
// Readers, one per controller and version.

/// A file's text; None when this kernel does not have it.
fn text(dir: &Path, file: &str) -> Result<Option<String>> {
    let path = dir.join(file);
    match std::fs::read_to_string(&path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).sys_at("read", &path),
    }
}

fn num(dir: &Path, file: &str) -> Result<u64> {
    Ok(text(dir, file)?.as_deref().and_then(parse_value).unwrap_or(0))
}

fn keyed(dir: &Path, file: &str) -> Result<BTreeMap<String, u64>> {
    Ok(text(dir, file)?.as_deref().map(parse_keyed).unwrap_or_default())
}

fn list(dir: &Path, file: &str) -> Result<Vec<u64>> {
    Ok(text(dir, file)?.as_deref().map(parse_list).unwrap_or_default())
}

fn get(map: &BTreeMap<String, u64>, key: &str) -> u64 {
    map.get(key).copied().unwrap_or(0)
}

/// v1 cpuacct reports user and system time in clock ticks.
fn ns_per_tick() -> u64 {
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    1_000_000_000 / if hz > 0 { hz as u64 } else { 100 }
}

fn cpu_usage(v1: Option<&Path>, v2: Option<&Path>) -> Result<CpuUsage> {
    if let Some(dir) = v1 {
        let stat = keyed(dir, "cpuacct.stat")?;
        let tick = ns_per_tick();
        return Ok(CpuUsage {
            total: num(dir, "cpuacct.usage")?,
            percpu: list(dir, "cpuacct.usage_percpu")?,
            percpu_kernel: list(dir, "cpuacct.usage_percpu_sys")?,
            percpu_user: list(dir, "cpuacct.usage_percpu_user")?,
            kernel: get(&stat, "system") * tick,
            user: get(&stat, "user") * tick,
        });
    }
    let Some(dir) = v2 else { return Ok(CpuUsage::default()) };
    let stat = keyed(dir, "cpu.stat")?;
    Ok(CpuUsage {
        total: get(&stat, "usage_usec") * 1000,
        kernel: get(&stat, "system_usec") * 1000,
        user: get(&stat, "user_usec") * 1000,
        ..CpuUsage::default()
    })
}

fn throttling(v1: Option<&Path>, v2: Option<&Path>) -> Result<Throttling> {
    let (stat, time) = match (v1, v2) {
        (Some(dir), _) => (keyed(dir, "cpu.stat")?, "throttled_time"),
        (None, Some(dir)) => (keyed(dir, "cpu.stat")?, "throttled_usec"),
        (None, None) => return Ok(Throttling::default()),
    };
    let scale = if time == "throttled_usec" { 1000 } else { 1 };
    Ok(Throttling {
        periods: get(&stat, "nr_periods"),
        throttled_periods: get(&stat, "nr_throttled"),
        throttled_time: get(&stat, time) * scale,
    })
}

/// `prefix` is memory, memory.memsw, memory.kmem or memory.kmem.tcp.
fn memory_entry_v1(dir: &Path, prefix: &str) -> Result<MemoryEntry> {
    Ok(MemoryEntry {
        limit: num(dir, &format!("{prefix}.limit_in_bytes"))?,
        usage: num(dir, &format!("{prefix}.usage_in_bytes"))?,
        max: num(dir, &format!("{prefix}.max_usage_in_bytes"))?,
        failcnt: num(dir, &format!("{prefix}.failcnt"))?,
    })
}

fn memory_v1(dir: &Path) -> Result<Memory> {
    let raw = keyed(dir, "memory.stat")?;
    Ok(Memory {
        cache: get(&raw, "cache"),
        usage: memory_entry_v1(dir, "memory")?,
        swap: memory_entry_v1(dir, "memory.memsw")?,
        kernel: memory_entry_v1(dir, "memory.kmem")?,
        kernel_tcp: memory_entry_v1(dir, "memory.kmem.tcp")?,
        raw,
    })
}

fn memory_v2(dir: &Path) -> Result<Memory> {
    let raw = keyed(dir, "memory.stat")?;
    let events = keyed(dir, "memory.events")?;
    let usage = MemoryEntry {
        limit: num(dir, "memory.max")?,
        usage: num(dir, "memory.current")?,
        max: num(dir, "memory.peak")?,
        failcnt: get(&events, "max"),
    };
    let swap = match text(dir, "memory.swap.current")? {
        Some(current) => MemoryEntry {
            limit: num(dir, "memory.swap.max")?.saturating_add(usage.limit),
            usage: parse_value(&current).unwrap_or(0).saturating_add(usage.usage),
            ..MemoryEntry::default()
        },
        None => MemoryEntry::default(),
    };
    Ok(Memory { cache: get(&raw, "file"), usage, swap, raw, ..Memory::default() })
}

fn pids(dir: Option<&Path>) -> Result<Pids> {
    let Some(dir) = dir else { return Ok(Pids::default()) };
    let limit = match num(dir, "pids.max")? {
        u64::MAX => 0,
        n => n,
    };
    Ok(Pids { current: num(dir, "pids.current")?, limit })
}

fn blkio_v1(dir: &Path) -> Result<Blkio> {
    let entries = |file: &str| -> Result<Vec<BlkioEntry>> {
        Ok(text(dir, file)?.as_deref().map(parse_blkio_v1).unwrap_or_default())
    };
    Ok(Blkio {
        io_service_bytes_recursive: entries("blkio.throttle.io_service_bytes_recursive")?,
        io_serviced_recursive: entries("blkio.throttle.io_serviced_recursive")?,
    })
}

fn blkio_v2(dir: &Path) -> Result<Blkio> {
    let (bytes, ios) = text(dir, "io.stat")?.as_deref().map(parse_io_stat).unwrap_or_default();
    Ok(Blkio { io_service_bytes_recursive: bytes, io_serviced_recursive: ios })
}

/// Page sizes from the file names (hugetlb.2MB.current, not hugetlb.2MB.rsvd.current).
fn page_sizes(dir: &Path, suffix: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    let mut sizes: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let size = name.strip_prefix("hugetlb.")?.strip_suffix(suffix)?;
            (!size.contains('.')).then(|| size.to_string())
        })
        .collect();
    sizes.sort();
    sizes
}

fn hugetlb(dir: &Path, v2: bool) -> Result<BTreeMap<String, Hugetlb>> {
    let mut out = BTreeMap::new();
    for size in page_sizes(dir, if v2 { ".current" } else { ".usage_in_bytes" }) {
        let h = if v2 {
            Hugetlb {
                usage: num(dir, &format!("hugetlb.{size}.current"))?,
                max: 0,
                failcnt: get(&keyed(dir, &format!("hugetlb.{size}.events"))?, "max"),
            }
        } else {
            Hugetlb {
                usage: num(dir, &format!("hugetlb.{size}.usage_in_bytes"))?,
                max: num(dir, &format!("hugetlb.{size}.max_usage_in_bytes"))?,
                failcnt: num(dir, &format!("hugetlb.{size}.failcnt"))?,
            }
        };
        out.insert(size, h);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// OOM kills.

/// Wakes `events` when the container's memory cgroup may have had an OOM:
/// on v1 an eventfd registered on memory.oom_control through
/// cgroup.event_control, on v2 an inotify watch on memory.events (the kernel
/// reports a modification whenever one of its counters changes). Either way
/// the kills are then counted from the file, so a wakeup for any other reason
/// (memory.high, the cgroup going away) reports nothing. Where the fd cannot
/// be set up, the counter is still read at every stats tick.
pub struct OomWatch {
    fd: Option<File>,
    counter: PathBuf,
    v1: bool,
    /// v1: memory.oom_control, kept open while the eventfd is registered on it.
    _control: Option<File>,
    seen: u64,
    /// A wakeup came but no kill was counted yet: look again until then.
    recheck_until: Option<Instant>,
}

/// The kernel notifies (v1) or bumps the "oom" line (v2) as the OOM starts,
/// and counts the kill only once a victim is chosen: a wakeup is followed by
/// a few quick looks for that long.
const RECHECK_FOR: Duration = Duration::from_secs(2);
const RECHECK_EVERY: Duration = Duration::from_millis(10);

impl OomWatch {
    /// None when the container has no memory controller to watch.
    pub fn new(cg: &Bound) -> Option<OomWatch> {
        let (counter, v1) = match (cg.v1("memory"), cg.v2()) {
            (Some(dir), _) => (dir.join("memory.oom_control"), true),
            (None, Some((_, dir))) if dir.join("memory.events").exists() => (dir.join("memory.events"), false),
            _ => return None,
        };
        let fd = if v1 { eventfd_on_oom_control(&counter) } else { inotify_on(&counter).map(|fd| (fd, None)) };
        let (fd, control) = match fd {
            Ok((fd, control)) => (Some(File::from(fd)), control),
            Err(e) => {
                crate::logging::debug(&format!("events: {e:#}; reading the OOM counter at each interval"));
                (None, None)
            }
        };
        let mut watch = OomWatch { fd, counter, v1, _control: control, seen: 0, recheck_until: None };
        watch.seen = watch.count().unwrap_or(0);
        Some(watch)
    }

    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.fd.as_ref().map(|f| f.as_fd())
    }

    /// When to look at the counter again, if a wakeup is still waiting for
    /// its kill to be counted.
    pub fn recheck_at(&mut self) -> Option<Instant> {
        let now = Instant::now();
        match self.recheck_until {
            Some(until) if until > now => Some(now + RECHECK_EVERY),
            _ => {
                self.recheck_until = None;
                None
            }
        }
    }

    /// OOM events since the last call (drains the wakeup fd): the kills the
    /// kernel counted. Also, on v1, a notification while the cgroup is
    /// stalled under OOM with its killer disabled, and on kernels before
    /// 4.13 (no oom_kill counter) each notification, as runc reports them.
    pub fn new_ooms(&mut self) -> u64 {
        let wakeups = self.drain();
        let Ok(text) = std::fs::read_to_string(&self.counter) else { return 0 }; // the cgroup is gone
        let fields = parse_keyed(&text);
        let Some(&now) = fields.get("oom_kill") else { return if self.v1 { wakeups } else { 0 } };
        let kills = now.saturating_sub(std::mem::replace(&mut self.seen, now));
        if kills > 0 {
            self.recheck_until = None;
        } else if wakeups > 0 {
            self.recheck_until = Some(Instant::now() + RECHECK_FOR);
        }
        let stalled = self.v1 && wakeups > 0 && get(&fields, "oom_kill_disable") == 1 && get(&fields, "under_oom") == 1;
        kills.max(u64::from(stalled))
    }

    /// The oom_kill counter; None when the file is gone or lacks it.
    fn count(&self) -> Option<u64> {
        let text = std::fs::read_to_string(&self.counter).ok()?;
        parse_keyed(&text).get("oom_kill").copied()
    }

    /// Empties the fd (both kinds are non-blocking) and tells how many
    /// wakeups it held: an eventfd's value counts notifications; inotify
    /// events count as one.
    fn drain(&mut self) -> u64 {
        let Some(fd) = self.fd.as_mut() else { return 0 };
        let mut total = 0;
        let mut buf = [0u8; 4096];
        while let Ok(n) = fd.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += match (self.v1, n) {
                (true, 8) => u64::from_ne_bytes(buf[..8].try_into().unwrap_or_default()),
                _ => 1,
            };
        }
        total
    }
}

fn owned(raw: i32, what: &str) -> Result<OwnedFd> {
    if raw < 0 {
        return Err(SysError::new(what, None, OsError::last()).into());
    }
    // SAFETY: a fresh fd the kernel just returned; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

/// v1's notification API: "<eventfd> <fd of memory.oom_control>" written to
/// cgroup.event_control beside it.
fn eventfd_on_oom_control(oom_control: &Path) -> Result<(OwnedFd, Option<File>)> {
    // SAFETY: eventfd takes two integers and returns a new fd or -1.
    let efd = owned(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) }, "eventfd")?;
    let control = File::open(oom_control).sys_at("open", oom_control)?;
    let event_control = oom_control.with_file_name("cgroup.event_control");
    let line = format!("{} {}", efd.as_raw_fd(), control.as_raw_fd());
    std::fs::OpenOptions::new()
        .write(true)
        .open(&event_control)
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .map_err(|e| Error::Write { path: event_control, value: line, os: e.into() })?;
    Ok((efd, Some(control)))
}

fn inotify_on(file: &Path) -> Result<OwnedFd> {
    // SAFETY: inotify_init1 takes flags and returns a new fd or -1.
    let fd = owned(unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) }, "inotify_init1")?;
    let c = crate::sys::cstr(file).sys_at("inotify_add_watch", file)?;
    // SAFETY: a valid inotify fd and a NUL-terminated path that outlives the call.
    if unsafe { libc::inotify_add_watch(fd.as_raw_fd(), c.as_ptr(), libc::IN_MODIFY) } < 0 {
        return Err(SysError::new("inotify_add_watch", Some(file), OsError::last()).into());
    }
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroups::{Hierarchy, Kind};

    fn files(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }

    fn bound(dir: &Path, v2: bool, controllers: &[&str]) -> Bound {
        let h = Hierarchy {
            mount_point: dir.parent().unwrap().into(),
            v2,
            controllers: controllers.iter().map(|c| c.to_string()).collect(),
        };
        Bound { kind: if v2 { Kind::Unified } else { Kind::Legacy }, pairs: vec![(h, dir.into())] }
    }

    #[test]
    fn parsers() {
        assert_eq!(parse_value("max\n"), Some(u64::MAX));
        assert_eq!(parse_value("42\n"), Some(42));
        assert_eq!(parse_value("x"), None);
        let k = parse_keyed("cache 4096\nrss 8192\nbogus\nhigh max\n");
        assert_eq!((k["cache"], k["rss"], k["high"], k.len()), (4096, 8192, u64::MAX, 3));
        assert_eq!(parse_list("10 20 30 \n"), vec![10, 20, 30]);
        let b = parse_blkio_v1("8:0 Read 4096\n8:0 Write 512\nTotal 4608\n");
        assert_eq!(b.len(), 2);
        assert_eq!(b[1], BlkioEntry { major: 8, minor: 0, op: "Write".into(), value: 512 });
        let (bytes, ios) = parse_io_stat("259:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n");
        assert_eq!(bytes[0], BlkioEntry { major: 259, minor: 0, op: "Read".into(), value: 100 });
        assert_eq!((bytes.len(), ios.len(), ios[1].value), (3, 3, 2));
    }

    #[test]
    fn v1_files_to_stats() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("c");
        std::fs::create_dir(&dir).unwrap();
        files(
            &dir,
            &[
                ("memory.usage_in_bytes", "1048576\n"),
                ("memory.max_usage_in_bytes", "2097152\n"),
                ("memory.limit_in_bytes", "67108864\n"),
                ("memory.failcnt", "3\n"),
                ("memory.memsw.limit_in_bytes", "134217728\n"),
                ("memory.stat", "cache 4096\nrss 8192\n"),
                ("pids.current", "2\n"),
                ("pids.max", "max\n"),
                ("cpuacct.usage", "5000\n"),
                ("cpuacct.usage_percpu", "3000 2000\n"),
                ("cpuacct.stat", "user 1\nsystem 2\n"),
                ("cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 999\n"),
                ("hugetlb.2MB.usage_in_bytes", "0\n"),
                ("hugetlb.2MB.failcnt", "1\n"),
            ],
        );
        let s = read(&bound(&dir, false, &["memory", "pids", "cpu", "cpuacct", "hugetlb"])).unwrap();
        assert_eq!(s.memory.usage, MemoryEntry { limit: 67108864, usage: 1048576, max: 2097152, failcnt: 3 });
        assert_eq!((s.memory.swap.limit, s.memory.cache, s.memory.raw["rss"]), (134217728, 4096, 8192));
        assert_eq!((s.pids.current, s.pids.limit), (2, 0));
        assert_eq!((s.cpu.usage.total, s.cpu.usage.percpu.clone()), (5000, vec![3000, 2000]));
        assert_eq!(s.cpu.usage.kernel, 2 * ns_per_tick());
        assert_eq!((s.cpu.throttling.periods, s.cpu.throttling.throttled_time), (10, 999));
        assert_eq!(s.hugetlb["2MB"].failcnt, 1);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["cpu"]["throttling"]["throttledPeriods"], 4);
        assert_eq!(json["memory"]["kernelTCP"]["limit"], 0);
        assert!(json["blkio"].as_object().unwrap().is_empty(), "empty lists are left out, as runc does");
    }

    #[test]
    fn v2_files_to_stats() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("c");
        std::fs::create_dir(&dir).unwrap();
        files(
            &dir,
            &[
                (
                    "cpu.stat",
                    "usage_usec 7\nuser_usec 4\nsystem_usec 3\nnr_periods 2\nnr_throttled 1\nthrottled_usec 5\n",
                ),
                ("memory.current", "1000\n"),
                ("memory.max", "max\n"),
                ("memory.peak", "3000\n"),
                ("memory.events", "low 0\nhigh 0\nmax 6\noom 1\noom_kill 1\n"),
                ("memory.swap.current", "10\n"),
                ("memory.swap.max", "max\n"),
                ("memory.stat", "anon 500\nfile 400\n"),
                ("pids.current", "3\n"),
                ("pids.max", "64\n"),
                ("io.stat", "8:0 rbytes=1 wbytes=2 rios=3 wios=4\n"),
                ("hugetlb.1GB.current", "0\n"),
                ("hugetlb.1GB.rsvd.current", "0\n"),
                ("hugetlb.1GB.events", "max 2\n"),
            ],
        );
        let s = read(&bound(&dir, true, &[])).unwrap();
        assert_eq!((s.cpu.usage.total, s.cpu.usage.user, s.cpu.usage.kernel), (7000, 4000, 3000));
        assert_eq!(s.cpu.throttling.throttled_time, 5000);
        assert_eq!(s.memory.usage, MemoryEntry { limit: u64::MAX, usage: 1000, max: 3000, failcnt: 6 });
        assert_eq!((s.memory.swap.usage, s.memory.swap.limit, s.memory.cache), (1010, u64::MAX, 400));
        assert_eq!((s.pids.current, s.pids.limit), (3, 64));
        assert_eq!(s.blkio.io_serviced_recursive.len(), 2);
        assert_eq!(s.hugetlb.keys().collect::<Vec<_>>(), vec!["1GB"]);
        assert_eq!(s.hugetlb["1GB"].failcnt, 2);
    }

    #[test]
    fn a_v2_oom_kill_wakes_the_watch_once() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("c");
        std::fs::create_dir(&dir).unwrap();
        files(&dir, &[("memory.events", "oom 0\noom_kill 0\n")]);
        let mut w = OomWatch::new(&bound(&dir, true, &[])).unwrap();
        let woken = |w: &OomWatch| {
            let mut p = [nix::poll::PollFd::new(w.fd().unwrap(), nix::poll::PollFlags::POLLIN)];
            nix::poll::poll(&mut p, nix::poll::PollTimeout::from(1000u16)).unwrap() == 1
        };
        assert_eq!(w.new_ooms(), 0);
        assert!(w.recheck_at().is_none());
        // The OOM starts: the kernel bumps "oom" before it counts the kill.
        files(&dir, &[("memory.events", "oom 1\noom_kill 0\n")]);
        assert!(woken(&w));
        assert_eq!(w.new_ooms(), 0);
        assert!(w.recheck_at().is_some(), "a wakeup without a kill is looked at again soon");
        files(&dir, &[("memory.events", "oom 1\noom_kill 1\n")]);
        assert_eq!(w.new_ooms(), 1);
        assert!(w.recheck_at().is_none());
        assert_eq!(w.new_ooms(), 0, "counted once");
        std::fs::remove_file(dir.join("memory.events")).unwrap();
        assert_eq!(w.new_ooms(), 0, "a cgroup that is gone reports nothing");
    }

    #[test]
    fn without_an_event_fd_the_v1_counter_is_still_read() {
        // A plain directory has no cgroup.event_control: the watch degrades
        // to reading memory.oom_control at each call.
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("c");
        std::fs::create_dir(&dir).unwrap();
        files(&dir, &[("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")]);
        let mut w = OomWatch::new(&bound(&dir, false, &["memory"])).unwrap();
        assert!(w.fd().is_none());
        files(&dir, &[("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n")]);
        assert_eq!(w.new_ooms(), 3);
    }
}
