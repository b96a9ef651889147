//! Command-line surface. Engines parse and produce these flags exactly as they
//! do for runc, so names, short forms and defaults follow runc. The tables
//! below say which options each verb takes; `options.rs` reads them.

mod options;

pub use crate::spec::exec_process::ProcessFlags;
use options::{flag, value, Matches};
pub use options::{Opt, UsageError, Verb};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug)]
pub struct Cli {
    pub global: GlobalOpts,
    pub command: Option<Command>,
}

#[derive(Debug, Clone)]
pub struct GlobalOpts {
    /// Directory holding container state.
    pub root: PathBuf,
    /// Whether --root was given (else `root` is the default, which main
    /// replaces with the rootless one when berth runs rootless).
    pub root_given: bool,
    /// Append log lines to this file instead of stderr.
    pub log: Option<PathBuf>,
    /// Format of log lines.
    pub log_format: LogFormat,
    /// Also log debug messages.
    pub debug: bool,
    /// Manage cgroups through systemd (needs a running systemd).
    pub systemd_cgroup: bool,
    /// Rootless mode: true, false or auto (accepted for compatibility).
    pub rootless: Option<String>,
    /// Print the version and exit.
    pub version: bool,
}

pub use crate::logging::LogFormat;

#[derive(Debug)]
pub enum Command {
    /// Create a container and leave it waiting for `start`.
    Create(CreateArgs),
    /// Start a created container's user process.
    Start(IdArg),
    /// Create, start, wait for and delete a container.
    Run(RunArgs),
    /// Print the OCI state of a container.
    State(IdArg),
    /// Send a signal to a container's init process.
    Kill(KillArgs),
    /// Delete a container and everything it holds.
    Delete(DeleteArgs),
    /// List containers.
    List(ListArgs),
    /// Write a default config.json.
    Spec(SpecArgs),
    /// Print the features this runtime supports, as JSON.
    Features,
    /// Freeze every process of a container.
    Pause(IdArg),
    /// Thaw a paused container.
    Resume(IdArg),
    /// Change a container's resource limits while it runs.
    Update(Box<UpdateArgs>),
    /// Print a container's resource usage, and OOM events as they happen.
    Events(EventsArgs),
    /// List the processes of a container.
    Ps(PsArgs),
    /// Run a new process inside a running container.
    Exec(Box<ExecArgs>),
}

#[derive(Debug)]
pub struct IdArg {
    pub id: String,
}

#[derive(Debug, Clone)]
pub struct CreateArgs {
    /// Bundle directory (holds config.json).
    pub bundle: PathBuf,
    /// Write the init process's pid to this file.
    pub pid_file: Option<PathBuf>,
    /// Unix socket that receives the pty master when process.terminal is true.
    pub console_socket: Option<PathBuf>,
    /// Use chroot instead of pivot_root (for ramfs roots).
    pub no_pivot: bool,
    /// Do not create a new session keyring.
    pub no_new_keyring: bool,
    /// Pass this many fds beyond stdio (3..3+N) into the container.
    pub preserve_fds: u32,
    /// Unix socket that receives a pidfd of the container's init.
    pub pidfd_socket: Option<PathBuf>,
    pub id: String,
}

#[derive(Debug)]
pub struct RunArgs {
    pub create: CreateArgs,
    /// Return once the container has started.
    pub detach: bool,
    /// Keep the container after it exits (do not delete it).
    pub keep: bool,
}

#[derive(Debug)]
pub struct KillArgs {
    /// Signal every process of the container.
    pub all: bool,
    pub id: String,
    /// Signal name (KILL, SIGKILL) or number; SIGTERM when absent.
    pub signal: Option<String>,
}

#[derive(Debug)]
pub struct DeleteArgs {
    /// Kill a running container, and succeed when it does not exist.
    pub force: bool,
    pub id: String,
}

#[derive(Debug)]
pub struct ListArgs {
    pub format: ListFormat,
    /// Print only container ids.
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug)]
pub struct SpecArgs {
    pub bundle: PathBuf,
    /// Write a config for a rootless container (user namespace, no cgroups).
    pub rootless: bool,
}

/// runc's `update` flags. Values are taken as text and parsed by the command,
/// so a bad one is a one-line error naming its flag.
#[derive(Debug, Default)]
pub struct UpdateArgs {
    /// A JSON file with the linux.resources to change, or - for stdin.
    pub resources: Option<String>,
    /// Memory limit in bytes (64m, 1g, ... accepted; -1 for none).
    pub memory: Option<String>,
    /// Memory reservation (soft limit).
    pub memory_reservation: Option<String>,
    /// Memory plus swap limit; -1 for unlimited swap.
    pub memory_swap: Option<String>,
    /// Kernel memory limit (refused: current kernels have none).
    pub kernel_memory: Option<String>,
    /// Kernel TCP buffer limit (cgroup v1 only).
    pub kernel_memory_tcp: Option<String>,
    /// CPU shares (relative weight).
    pub cpu_share: Option<String>,
    /// CFS quota in microseconds per period; -1 for none.
    pub cpu_quota: Option<String>,
    /// CFS period in microseconds.
    pub cpu_period: Option<String>,
    /// CFS burst in microseconds.
    pub cpu_burst: Option<String>,
    /// Realtime period in microseconds (cgroup v1 only).
    pub cpu_rt_period: Option<String>,
    /// Realtime runtime in microseconds per period (cgroup v1 only).
    pub cpu_rt_runtime: Option<String>,
    /// 1: SCHED_IDLE for the cgroup, 0: the default.
    pub cpu_idle: Option<String>,
    /// CPUs to run on (0-3, 0,1).
    pub cpuset_cpus: Option<String>,
    /// Memory nodes to use.
    pub cpuset_mems: Option<String>,
    /// Maximum number of pids; 0 or -1 for none.
    pub pids_limit: Option<String>,
    /// Block IO weight, 10 to 1000.
    pub blkio_weight: Option<String>,
    /// Intel RDT L3 cache schema (not supported).
    pub l3_cache_schema: Option<String>,
    /// Intel RDT memory bandwidth schema (not supported).
    pub mem_bw_schema: Option<String>,
    pub id: String,
}

#[derive(Debug)]
pub struct EventsArgs {
    /// Time between stats lines (Go durations: 5s, 500ms, 1m30s).
    pub interval: String,
    /// Print the stats once and exit.
    pub stats: bool,
    pub id: String,
}

#[derive(Debug)]
pub struct PsArgs {
    pub format: PsFormat,
    pub id: String,
    /// Arguments for the host's ps (default -ef).
    pub ps_args: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PsFormat {
    Table,
    Json,
}

/// runc's `exec` flags. Without --process, the container's own process from
/// config.json is the base and the flags change it.
#[derive(Debug, Default)]
pub struct ExecArgs {
    /// What the process is: --process, or the flags that change the
    /// container's own (the library's type, so spec/ needs nothing of ours).
    pub process: ProcessFlags,
    /// Return once the process has started.
    pub detach: bool,
    /// Write the process's pid to this file.
    pub pid_file: Option<PathBuf>,
    /// Unix socket that receives the pty master when a terminal is used.
    pub console_socket: Option<PathBuf>,
    /// Unix socket that receives a pidfd of the new process.
    pub pidfd_socket: Option<PathBuf>,
    /// Pass this many fds beyond stdio (3..3+N) into the process.
    pub preserve_fds: u32,
    /// Allow exec into a paused container (the process starts frozen).
    pub ignore_paused: bool,
    /// Run in a sub-cgroup of the container: PATH, or CONTROLLERS:PATH for v1.
    pub cgroup: Vec<String>,
    pub id: String,
}

const ABOUT: &str = "A daemonless OCI container runtime";

static GLOBALS: [Opt; 7] = [
    value("root", None, "DIR", "Directory holding container state [default: /run/berth]"),
    value("log", None, "FILE", "Append log lines to this file instead of stderr"),
    value("log-format", None, "text|json", "Format of log lines [default: text]"),
    flag("debug", None, "Also log debug messages"),
    flag("systemd-cgroup", None, "Manage cgroups through systemd (needs a running systemd)"),
    value("rootless", None, "true|false|auto", "Rootless mode: auto (the default) when not root on the host"),
    flag("version", Some('v'), "Print the version and exit"),
];

const CREATE_OPTS: [Opt; 7] = [
    value("bundle", Some('b'), "DIR", "Bundle directory (holds config.json) [default: .]"),
    value("pid-file", None, "FILE", "Write the init process's pid to this file"),
    value("console-socket", None, "SOCKET", "Unix socket that receives the pty master when process.terminal is true"),
    flag("no-pivot", None, "Use chroot instead of pivot_root (for ramfs roots)"),
    flag("no-new-keyring", None, "Do not create a new session keyring"),
    value("preserve-fds", None, "N", "Pass this many fds beyond stdio (3..3+N) into the container"),
    value("pidfd-socket", None, "SOCKET", "Unix socket that receives a pidfd of the container's init"),
];

/// `run` takes `create`'s options, and two of its own.
static RUN_OPTS: [Opt; 9] = {
    let [a, b, c, d, e, f, g] = CREATE_OPTS;
    [
        a,
        b,
        c,
        d,
        e,
        f,
        g,
        flag("detach", Some('d'), "Return once the container has started"),
        flag("keep", None, "Keep the container after it exits (do not delete it)"),
    ]
};

static CREATE: [Opt; 7] = CREATE_OPTS;

const fn hidden(o: Opt) -> Opt {
    Opt { hidden: true, ..o }
}

const fn alias(o: Opt, name: &'static str) -> Opt {
    Opt { alias: Some(name), ..o }
}

static UPDATE: [Opt; 19] = [
    value("resources", Some('r'), "FILE", "A JSON file with the linux.resources to change, or - for stdin"),
    value("memory", None, "BYTES", "Memory limit in bytes (64m, 1g, ... accepted; -1 for none)"),
    value("memory-reservation", None, "BYTES", "Memory reservation (soft limit)"),
    value("memory-swap", None, "BYTES", "Memory plus swap limit; -1 for unlimited swap"),
    hidden(value("kernel-memory", None, "BYTES", "Kernel memory limit (refused: current kernels have none)")),
    hidden(value("kernel-memory-tcp", None, "BYTES", "Kernel TCP buffer limit (cgroup v1 only)")),
    alias(value("cpu-share", None, "SHARES", "CPU shares (relative weight)"), "cpu-shares"),
    value("cpu-quota", None, "US", "CFS quota in microseconds per period; -1 for none"),
    value("cpu-period", None, "US", "CFS period in microseconds"),
    value("cpu-burst", None, "US", "CFS burst in microseconds"),
    value("cpu-rt-period", None, "US", "Realtime period in microseconds (cgroup v1 only)"),
    value("cpu-rt-runtime", None, "US", "Realtime runtime in microseconds per period (cgroup v1 only)"),
    value("cpu-idle", None, "0|1", "1: SCHED_IDLE for the cgroup, 0: the default"),
    value("cpuset-cpus", None, "LIST", "CPUs to run on (0-3, 0,1)"),
    value("cpuset-mems", None, "LIST", "Memory nodes to use"),
    value("pids-limit", None, "N", "Maximum number of pids; 0 or -1 for none"),
    value("blkio-weight", None, "N", "Block IO weight, 10 to 1000"),
    value("l3-cache-schema", None, "SCHEMA", "Intel RDT L3 cache schema (not supported)"),
    value("mem-bw-schema", None, "SCHEMA", "Intel RDT memory bandwidth schema (not supported)"),
];

static EXEC: [Opt; 17] = [
    value("process", Some('p'), "FILE", "A JSON file holding the whole OCI process to run"),
    flag("tty", Some('t'), "Allocate a pseudo-terminal"),
    value("cwd", None, "DIR", "Working directory inside the container"),
    value("env", Some('e'), "NAME=VALUE", "Set an environment variable; may repeat"),
    value("user", Some('u'), "UID[:GID]", "User to run as"),
    value("additional-gids", Some('g'), "GID", "Additional group id; may repeat"),
    value("cap", Some('c'), "CAP", "Add a capability (CAP_NET_ADMIN or NET_ADMIN); may repeat"),
    flag("no-new-privs", None, "Set no_new_privs for the process"),
    value("apparmor", None, "PROFILE", "AppArmor profile for the process"),
    value("process-label", None, "LABEL", "SELinux label for the process"),
    flag("detach", Some('d'), "Return once the process has started"),
    value("pid-file", None, "FILE", "Write the process's pid to this file"),
    value("console-socket", None, "SOCKET", "Unix socket that receives the pty master when a terminal is used"),
    value("pidfd-socket", None, "SOCKET", "Unix socket that receives a pidfd of the new process"),
    value("preserve-fds", None, "N", "Pass this many fds beyond stdio (3..3+N) into the process"),
    flag("ignore-paused", None, "Allow exec into a paused container (the process starts frozen)"),
    value("cgroup", None, "[CONTROLLERS:]PATH", "Run in a sub-cgroup of the container; may repeat"),
];

static FORMAT: [Opt; 1] = [value("format", Some('f'), "table|json", "Output format [default: table]")];

const ID: &[&str] = &["id"];

static VERBS: [Verb; 15] = [
    Verb {
        name: "create",
        about: "Create a container and leave it waiting for `start`",
        opts: &CREATE,
        positionals: ID,
        trailing: None,
    },
    Verb {
        name: "start",
        about: "Start a created container's user process",
        opts: &[],
        positionals: ID,
        trailing: None,
    },
    Verb {
        name: "run",
        about: "Create, start, wait for and delete a container",
        opts: &RUN_OPTS,
        positionals: ID,
        trailing: None,
    },
    Verb { name: "state", about: "Print the OCI state of a container", opts: &[], positionals: ID, trailing: None },
    Verb {
        name: "kill",
        about: "Send a signal to a container's init process",
        opts: &[flag("all", Some('a'), "Signal every process of the container")],
        positionals: &["id", "[signal]"],
        trailing: None,
    },
    Verb {
        name: "delete",
        about: "Delete a container and everything it holds",
        opts: &[flag("force", Some('f'), "Kill a running container, and succeed when it does not exist")],
        positionals: ID,
        trailing: None,
    },
    Verb {
        name: "list",
        about: "List containers",
        opts: &[
            value("format", Some('f'), "table|json", "Output format [default: table]"),
            flag("quiet", Some('q'), "Print only container ids"),
        ],
        positionals: &[],
        trailing: None,
    },
    Verb {
        name: "spec",
        about: "Write a default config.json",
        opts: &[
            value("bundle", Some('b'), "DIR", "Bundle directory [default: .]"),
            flag("rootless", None, "Write a config for a rootless container (user namespace, no cgroups)"),
        ],
        positionals: &[],
        trailing: None,
    },
    Verb {
        name: "features",
        about: "Print the features this runtime supports, as JSON",
        opts: &[],
        positionals: &[],
        trailing: None,
    },
    Verb { name: "pause", about: "Freeze every process of a container", opts: &[], positionals: ID, trailing: None },
    Verb { name: "resume", about: "Thaw a paused container", opts: &[], positionals: ID, trailing: None },
    Verb {
        name: "update",
        about: "Change a container's resource limits while it runs",
        opts: &UPDATE,
        positionals: ID,
        trailing: None,
    },
    Verb {
        name: "events",
        about: "Print a container's resource usage, and OOM events as they happen",
        opts: &[
            value("interval", None, "DURATION", "Time between stats lines (5s, 500ms, 1m30s) [default: 5s]"),
            flag("stats", None, "Print the stats once and exit"),
        ],
        positionals: ID,
        trailing: None,
    },
    Verb {
        name: "ps",
        about: "List the processes of a container",
        opts: &FORMAT,
        positionals: ID,
        trailing: Some("ps-args"),
    },
    Verb {
        name: "exec",
        about: "Run a new process inside a running container",
        opts: &EXEC,
        positionals: ID,
        trailing: Some("command"),
    },
];

/// What a command line asks for.
#[derive(Debug)]
pub enum Parsed {
    Run(Cli),
    /// Help text to print on stdout (`-h`, `--help`, `help [verb]`).
    Help(String),
}

/// Reads the arguments after the program name.
/// The option tables, for the man pages and shell completions
/// (`examples/gen-docs.rs`): generated from what the parser reads.
pub fn tables() -> (&'static str, &'static [Opt], &'static [Verb]) {
    (ABOUT, &GLOBALS, &VERBS)
}

/// The whole program's help: what `--help` and a bare `berth` print.
pub fn usage() -> String {
    options::help("berth", ABOUT, &GLOBALS, &VERBS, None)
}

pub fn parse(args: &[OsString]) -> Result<Parsed, UsageError> {
    if args.first().is_some_and(|a| a == "help") {
        let verb = args.get(1).and_then(|n| VERBS.iter().find(|v| n == v.name));
        return Ok(Parsed::Help(options::help("berth", ABOUT, &GLOBALS, &VERBS, verb)));
    }
    let m = options::lex(args, &GLOBALS, &VERBS)?;
    if m.help {
        return Ok(Parsed::Help(options::help("berth", ABOUT, &GLOBALS, &VERBS, m.verb)));
    }
    let g = &m.global;
    let global = GlobalOpts {
        root: g.path("root").unwrap_or_else(|| PathBuf::from("/run/berth")),
        root_given: g.path("root").is_some(),
        log: g.path("log"),
        log_format: match g.choice("log-format", &["text", "json"], "text")? {
            "json" => LogFormat::Json,
            _ => LogFormat::Text,
        },
        debug: g.flag("debug"),
        systemd_cgroup: g.flag("systemd-cgroup"),
        rootless: match g.value("rootless")? {
            Some(_) => Some(g.choice("rootless", &["true", "false", "auto"], "auto")?.to_string()),
            None => None,
        },
        version: g.flag("version"),
    };
    let command = m.verb.map(|v| command(v.name, &m)).transpose()?;
    Ok(Parsed::Run(Cli { global, command }))
}

fn command(verb: &str, m: &Matches) -> Result<Command, UsageError> {
    let id = || m.id().map(|id| IdArg { id });
    Ok(match verb {
        "create" => Command::Create(create_args(m)?),
        "start" => Command::Start(id()?),
        "run" => Command::Run(RunArgs {
            create: create_args(m)?,
            detach: m.local.flag("detach"),
            keep: m.local.flag("keep"),
        }),
        "state" => Command::State(id()?),
        "kill" => Command::Kill(KillArgs { all: m.local.flag("all"), id: m.id()?, signal: m.positional(1)? }),
        "delete" => Command::Delete(DeleteArgs { force: m.local.flag("force"), id: m.id()? }),
        "list" => Command::List(ListArgs {
            format: format_of(m, ListFormat::Table, ListFormat::Json)?,
            quiet: m.local.flag("quiet"),
        }),
        "spec" => Command::Spec(SpecArgs { bundle: bundle(m), rootless: m.local.flag("rootless") }),
        "features" => Command::Features,
        "pause" => Command::Pause(id()?),
        "resume" => Command::Resume(id()?),
        "update" => Command::Update(Box::new(update_args(m)?)),
        "events" => Command::Events(EventsArgs {
            interval: m.local.value("interval")?.unwrap_or_else(|| "5s".into()),
            stats: m.local.flag("stats"),
            id: m.id()?,
        }),
        "ps" => Command::Ps(PsArgs {
            format: format_of(m, PsFormat::Table, PsFormat::Json)?,
            id: m.id()?,
            ps_args: m.trailing_text()?,
        }),
        "exec" => Command::Exec(Box::new(exec_args(m)?)),
        other => return Err(UsageError(format!("unknown command {other:?}"))),
    })
}

fn format_of<T>(m: &Matches, table: T, json: T) -> Result<T, UsageError> {
    Ok(if m.local.choice("format", &["table", "json"], "table")? == "json" { json } else { table })
}

fn bundle(m: &Matches) -> PathBuf {
    m.local.path("bundle").unwrap_or_else(|| PathBuf::from("."))
}

fn create_args(m: &Matches) -> Result<CreateArgs, UsageError> {
    Ok(CreateArgs {
        bundle: bundle(m),
        pid_file: m.local.path("pid-file"),
        console_socket: m.local.path("console-socket"),
        no_pivot: m.local.flag("no-pivot"),
        no_new_keyring: m.local.flag("no-new-keyring"),
        preserve_fds: m.local.number("preserve-fds")?,
        pidfd_socket: m.local.path("pidfd-socket"),
        id: m.id()?,
    })
}

fn update_args(m: &Matches) -> Result<UpdateArgs, UsageError> {
    Ok(UpdateArgs {
        resources: m.local.value("resources")?,
        memory: m.local.value("memory")?,
        memory_reservation: m.local.value("memory-reservation")?,
        memory_swap: m.local.value("memory-swap")?,
        kernel_memory: m.local.value("kernel-memory")?,
        kernel_memory_tcp: m.local.value("kernel-memory-tcp")?,
        cpu_share: m.local.value("cpu-share")?,
        cpu_quota: m.local.value("cpu-quota")?,
        cpu_period: m.local.value("cpu-period")?,
        cpu_burst: m.local.value("cpu-burst")?,
        cpu_rt_period: m.local.value("cpu-rt-period")?,
        cpu_rt_runtime: m.local.value("cpu-rt-runtime")?,
        cpu_idle: m.local.value("cpu-idle")?,
        cpuset_cpus: m.local.value("cpuset-cpus")?,
        cpuset_mems: m.local.value("cpuset-mems")?,
        pids_limit: m.local.value("pids-limit")?,
        blkio_weight: m.local.value("blkio-weight")?,
        l3_cache_schema: m.local.value("l3-cache-schema")?,
        mem_bw_schema: m.local.value("mem-bw-schema")?,
        id: m.id()?,
    })
}

fn exec_args(m: &Matches) -> Result<ExecArgs, UsageError> {
    Ok(ExecArgs {
        process: ProcessFlags {
            file: m.local.path("process"),
            tty: m.local.flag("tty"),
            cwd: m.local.path("cwd"),
            env: m.local.values("env")?,
            user: m.local.value("user")?,
            additional_gids: m.local.values("additional-gids")?,
            caps: m.local.values("cap")?,
            no_new_privs: m.local.flag("no-new-privs"),
            apparmor: m.local.value("apparmor")?,
            process_label: m.local.value("process-label")?,
            command: m.trailing.clone(),
        },
        detach: m.local.flag("detach"),
        pid_file: m.local.path("pid-file"),
        console_socket: m.local.path("console-socket"),
        pidfd_socket: m.local.path("pidfd-socket"),
        preserve_fds: m.local.number("preserve-fds")?,
        ignore_paused: m.local.flag("ignore-paused"),
        cgroup: m.local.values("cgroup")?,
        id: m.id()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(line: &str) -> Cli {
        let args: Vec<OsString> = line.split_whitespace().map(OsString::from).collect();
        match parse(&args).unwrap() {
            Parsed::Run(c) => c,
            Parsed::Help(h) => panic!("help instead of a command: {h}"),
        }
    }

    #[test]
    fn exec_as_engines_call_it() {
        let c = cli(
            "--root /r --log-format=json exec --process /p.json -d --pid-file /pid -e A=1 -e B=2 --cap NET_ADMIN c1",
        );
        assert_eq!(c.global.root, PathBuf::from("/r"));
        assert_eq!(c.global.log_format, LogFormat::Json);
        let Some(Command::Exec(a)) = c.command else { panic!("not exec") };
        assert_eq!(
            (a.process.file.unwrap(), a.detach, a.pid_file.unwrap()),
            (PathBuf::from("/p.json"), true, PathBuf::from("/pid"))
        );
        assert_eq!(
            (a.process.env, a.process.caps, a.id, a.process.command.len()),
            (vec!["A=1".into(), "B=2".into()], vec!["NET_ADMIN".into()], "c1".into(), 0)
        );
        let Some(Command::Exec(a)) = cli("exec -t c1 sh -c true").command else { panic!("not exec") };
        assert!(a.process.tty);
        assert_eq!(a.process.command, ["sh", "-c", "true"]);
    }

    #[test]
    fn the_verbs_rootless_flag_is_not_the_global_one() {
        let c = cli("--rootless false spec --rootless");
        assert_eq!(c.global.rootless.as_deref(), Some("false"));
        let Some(Command::Spec(s)) = c.command else { panic!("not spec") };
        assert!(s.rootless);
        let Some(Command::Spec(s)) = cli("--rootless true spec").command else { panic!("not spec") };
        assert!(!s.rootless);
    }

    #[test]
    fn defaults_and_values() {
        let c = cli("run -d --preserve-fds 2 c");
        assert_eq!(c.global.root, PathBuf::from("/run/berth"));
        let Some(Command::Run(r)) = c.command else { panic!("not run") };
        assert_eq!((r.create.bundle, r.create.preserve_fds, r.detach, r.keep), (PathBuf::from("."), 2, true, false));
        let Some(Command::Update(u)) = cli("update --memory -1 --cpu-shares 5 c").command else { panic!("not update") };
        assert_eq!((u.memory.as_deref(), u.cpu_share.as_deref()), (Some("-1"), Some("5")));
        let Some(Command::Kill(k)) = cli("kill --all c KILL").command else { panic!("not kill") };
        assert_eq!((k.all, k.signal.as_deref()), (true, Some("KILL")));
        let Some(Command::Ps(p)) = cli("ps -f json c -o pid").command else { panic!("not ps") };
        assert_eq!((p.format, p.ps_args), (PsFormat::Json, vec!["-o".to_string(), "pid".to_string()]));
        assert!(cli("--version").global.version && cli("").command.is_none());
    }

    #[test]
    fn bad_values_are_usage_errors() {
        let err = |line: &str| parse(&line.split_whitespace().map(OsString::from).collect::<Vec<_>>()).unwrap_err().0;
        assert_eq!(err("--log-format xml state c"), "invalid value \"xml\" for --log-format: one of text, json");
        assert_eq!(err("run --preserve-fds x c"), "invalid value \"x\" for --preserve-fds: a number");
        assert_eq!(err("start a b"), "unexpected argument \"b\" for start");
        assert_eq!(err("list -f yaml"), "invalid value \"yaml\" for --format: one of table, json");
    }

    #[test]
    fn help_lists_every_verb_and_a_verbs_options() {
        let help = |line: &str| match parse(&line.split_whitespace().map(OsString::from).collect::<Vec<_>>()).unwrap() {
            Parsed::Help(h) => h,
            Parsed::Run(_) => panic!("no help for {line}"),
        };
        let top = help("--help");
        assert!(VERBS.iter().all(|v| top.contains(v.name)), "{top}");
        let exec = help("help exec");
        assert!(exec.contains("--pidfd-socket <SOCKET>") && exec.contains("[command]..."), "{exec}");
        assert!(!help("update -h").contains("kernel-memory"), "hidden options stay hidden");
    }
}
