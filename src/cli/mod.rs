//! Command-line surface. Engines parse and produce these flags exactly as they
//! do for runc, so names, short forms and defaults follow runc. The grammar is
//! clap's, defined in `define.rs`; this file turns clap's matches into the
//! verbs' argument structs.

mod define;
mod errors;
mod help;

pub use crate::spec::exec_process::ProcessFlags;
use clap::ArgMatches;
pub use errors::UsageError;
use errors::{not_utf8, usage as usage_err};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
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
    /// Rootless mode: true, false or auto (see `is_rootless`).
    pub rootless: Option<String>,
    /// Print the version and exit.
    pub version: bool,
    /// `rootless` decided, once (auto reads /proc/self/uid_map).
    rootless_decided: std::cell::OnceCell<bool>,
}

impl GlobalOpts {
    /// Whether berth runs rootless: --rootless true or false, or with auto
    /// (the default) as runc decides it (`rootless::detect`).
    pub fn is_rootless(&self) -> bool {
        *self.rootless_decided.get_or_init(|| crate::rootless::detect(self.rootless.as_deref()))
    }
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
    /// Checkpoint a running container with CRIU.
    Checkpoint(Box<CheckpointArgs>),
    /// Restore a container from a CRIU checkpoint.
    Restore(Box<RestoreArgs>),
}

/// What `checkpoint` and `restore` both take (runc's flags).
#[derive(Debug, Clone, Default)]
pub struct CriuArgs {
    /// Where the images are (default ./checkpoint).
    pub image_path: Option<PathBuf>,
    /// Where CRIU writes its log and work files (default: the image path).
    pub work_path: Option<PathBuf>,
    pub tcp_established: bool,
    pub ext_unix_sk: bool,
    pub shell_job: bool,
    pub file_locks: bool,
    /// soft, full, strict or ignore.
    pub manage_cgroups_mode: Option<String>,
    pub lazy_pages: bool,
    /// A namespace (network) checkpointed as empty.
    pub empty_ns: Option<String>,
    pub auto_dedup: bool,
}

#[derive(Debug, Clone, Default)]
pub struct CheckpointArgs {
    pub criu: CriuArgs,
    pub leave_running: bool,
    pub pre_dump: bool,
    /// A previous pre-dump's images, relative to the image path.
    pub parent_path: Option<PathBuf>,
    pub tcp_skip_in_flight: bool,
    pub link_remap: bool,
    /// ADDR:PORT of a CRIU page server.
    pub page_server: Option<String>,
    /// An fd to write \0 to once lazy pages can be served.
    pub status_fd: Option<String>,
    pub id: String,
}

#[derive(Debug, Clone, Default)]
pub struct RestoreArgs {
    pub criu: CriuArgs,
    pub bundle: PathBuf,
    pub console_socket: Option<PathBuf>,
    pub pid_file: Option<PathBuf>,
    pub detach: bool,
    pub tcp_close: bool,
    pub lsm_profile: Option<String>,
    pub lsm_mount_context: Option<String>,
    pub id: String,
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

/// What a command line asks for.
#[derive(Debug)]
pub enum Parsed {
    Run(Cli),
    /// Help text to print on stdout (`-h`, `--help`, `help [verb]`).
    Help(String),
}

/// The whole command line as clap `Command`s, every verb included: what the
/// man pages and shell completions are made from (`examples/gen-docs.rs`).
pub fn command() -> clap::Command {
    define::full()
}

/// A verb's usage line, `berth kill [OPTIONS] <id> [signal]`, as its help
/// has it: for its man page's synopsis.
pub fn synopsis(verb: &clap::Command) -> String {
    help::synopsis(verb)
}

/// The whole program's help: what `--help` and a bare `berth` print.
/// Every verb's name, in the order help lists them.
pub fn verbs() -> Vec<&'static str> {
    define::VERBS.iter().map(|(name, _)| *name).collect()
}

pub fn usage() -> String {
    help::program(&define::full())
}

/// `help VERB`, `VERB -h`; the program's help for no verb or an unknown one.
fn help_for(verb: Option<&str>) -> String {
    match verb.and_then(|v| define::verb(v, true)) {
        Some(v) => help::verb(&v),
        None => usage(),
    }
}

/// Reads the arguments after the program name.
pub fn parse(args: &[OsString]) -> Result<Parsed, UsageError> {
    let top = define::top();
    let at = find_verb(args, &top);
    let verb = match at {
        None => None,
        Some((i, word)) if word == "help" => {
            let asked = args.get(i + 1).and_then(|a| a.to_str());
            return Ok(Parsed::Help(help_for(asked)));
        }
        Some((i, word)) => match define::VERBS.iter().find(|(name, _)| word == *name) {
            Some((name, _)) => Some(*name),
            None => {
                // An error in the options before the word comes first, as
                // it would in a parse from left to right.
                if let Err(e) = top.try_get_matches_from(&args[..i]) {
                    return Err(errors::from_clap(&e, None, None, args));
                }
                return Err(usage_err(format!("unknown command {word:?}")));
            }
        },
    };
    let mut cmd = top;
    if let Some((v, i)) = verb.zip(at.map(|(i, _)| i)) {
        let globals = args.get(i + 1..).is_some_and(|after| global_after(after, &cmd));
        if let Some(v) = define::verb(v, globals) {
            cmd = cmd.subcommand(v);
        }
    }
    let m = match cmd.try_get_matches_from_mut(args) {
        Ok(m) => m,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => return Ok(Parsed::Help(help_for(verb))),
        Err(e) => {
            // An error before the verb is not the verb's: said without it.
            if let Some((i, _)) = at.filter(|_| verb.is_some()) {
                if let Err(e) = define::top().try_get_matches_from(&args[..i]) {
                    return Err(errors::from_clap(&e, None, None, args));
                }
            }
            let sub = verb.and_then(|v| cmd.find_subcommand(v));
            let required = sub
                .and_then(|s| s.get_positionals().find(|a| a.is_required_set()))
                .and_then(|a| a.get_value_names())
                .and_then(|n| n.first())
                .map(|n| n.as_str());
            return Err(errors::from_clap(&e, verb, required, args));
        }
    };
    let sub = m.subcommand();
    let g = Given { top: &m, verb: sub.map(|(_, s)| s) };
    let root = g.global_path("root");
    let global = GlobalOpts {
        root_given: root.is_some(),
        root: root.unwrap_or_else(|| PathBuf::from("/run/berth")),
        log: g.global_path("log"),
        log_format: match g.global_text("log-format").as_deref() {
            Some("json") => LogFormat::Json,
            _ => LogFormat::Text,
        },
        debug: g.global_flag("debug"),
        systemd_cgroup: g.global_flag("systemd-cgroup"),
        rootless: g.global_text("rootless"),
        version: g.global_flag("version"),
        rootless_decided: std::cell::OnceCell::new(),
    };
    let command = sub.map(|(name, l)| verb_args(name, l)).transpose()?;
    Ok(Parsed::Run(Cli { global, command }))
}

/// Where the verb is: the first argument that is neither an option nor the
/// value of one of `top`'s (global) options (`--root DIR`). Only that verb is
/// built for clap, so it must be found before clap reads the line. After
/// `--` there is no verb, as clap takes none there.
fn find_verb<'a>(args: &'a [OsString], top: &clap::Command) -> Option<(usize, &'a OsStr)> {
    let takes_value = |a: &clap::Arg| a.get_action().takes_values();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let bytes = arg.as_bytes();
        i += 1;
        if bytes == b"--" {
            return None;
        }
        if let Some(long) = bytes.strip_prefix(b"--") {
            // `--root DIR`; `--root=DIR` holds its value.
            if long_option(top, long).is_some_and(takes_value) {
                i += 1;
            }
        } else if let Some(cluster) = bytes.strip_prefix(b"-").filter(|c| !c.is_empty()) {
            // `-dv`: the first letter that takes a value has the rest of the
            // cluster as its value, or the next argument when it is last.
            if let Some(at) = cluster.iter().position(|&b| short_option(top, b).is_some_and(takes_value)) {
                if at + 1 == cluster.len() {
                    i += 1;
                }
            }
        } else {
            return Some((i - 1, arg));
        }
    }
    None
}

/// Whether any of `args` (those after the verb) can be one of `top`'s
/// (global) options, in any spelling clap reads: `--root`, `--root=DIR`,
/// `-v`, a cluster holding `v` or `h`. When none can, the verb is built
/// without its copies of them: that was a third of clap's instructions for
/// `state ID`. A value or a command word that only looks like one costs
/// that work back, no more.
fn global_after(args: &[OsString], top: &clap::Command) -> bool {
    args.iter().any(|arg| {
        let bytes = arg.as_bytes();
        match bytes.strip_prefix(b"--") {
            Some(long) => {
                let name = long.split(|b| *b == b'=').next().unwrap_or_default();
                long_option(top, name).is_some()
            }
            None => bytes.strip_prefix(b"-").is_some_and(|c| c.iter().any(|&b| short_option(top, b).is_some())),
        }
    })
}

/// `cmd`'s option named `--name` (or by one of its aliases).
fn long_option<'a>(cmd: &'a clap::Command, name: &[u8]) -> Option<&'a clap::Arg> {
    let is = |l: &str| l.as_bytes() == name;
    cmd.get_arguments()
        .find(|a| a.get_long().is_some_and(is) || a.get_all_aliases().is_some_and(|v| v.into_iter().any(is)))
}

/// `cmd`'s option whose short letter is the byte `b`.
fn short_option(cmd: &clap::Command, b: u8) -> Option<&clap::Arg> {
    cmd.get_arguments().find(|a| a.get_short().is_some_and(|c| c.is_ascii() && u8::try_from(c) == Ok(b)))
}

/// clap's matches for the program (`top`) and for its verb. A global option
/// may be in either; given after the verb, it is the later one, and wins.
struct Given<'a> {
    top: &'a ArgMatches,
    verb: Option<&'a ArgMatches>,
}

impl Given<'_> {
    fn global_path(&self, id: &str) -> Option<PathBuf> {
        self.verb.and_then(|v| path(v, id)).or_else(|| path(self.top, id))
    }

    fn global_text(&self, id: &str) -> Option<String> {
        self.verb.and_then(|v| text(v, id)).or_else(|| text(self.top, id))
    }

    fn global_flag(&self, id: &str) -> bool {
        self.verb.is_some_and(|v| flag(v, id)) || flag(self.top, id)
    }
}

// clap keeps each value as the type define.rs parsed it into: bytes
// (OsString) for paths, String for text, u32 for numbers, bool for flags.
// The try_ getters return an error rather than panic on a name or type
// mismatch; either would be a bug in define.rs, and reads as absent here.

fn path(m: &ArgMatches, id: &str) -> Option<PathBuf> {
    m.try_get_one::<OsString>(id).ok().flatten().map(PathBuf::from)
}

fn text(m: &ArgMatches, id: &str) -> Option<String> {
    m.try_get_one::<String>(id).ok().flatten().cloned()
}

fn texts(m: &ArgMatches, id: &str) -> Vec<String> {
    m.try_get_many::<String>(id).ok().flatten().map(|v| v.cloned().collect()).unwrap_or_default()
}

fn flag(m: &ArgMatches, id: &str) -> bool {
    m.try_get_one::<bool>(id).ok().flatten().copied().unwrap_or(false)
}

fn number(m: &ArgMatches, id: &str) -> u32 {
    m.try_get_one::<u32>(id).ok().flatten().copied().unwrap_or(0)
}

fn id(m: &ArgMatches) -> String {
    text(m, "id").unwrap_or_default()
}

/// `exec`'s and `ps`'s arguments: the id, then the rest as given.
fn id_and_rest(m: &ArgMatches) -> Result<(String, Vec<OsString>), UsageError> {
    let mut all = m.try_get_many::<OsString>("args").ok().flatten().into_iter().flatten().cloned();
    let first = all.next().unwrap_or_default();
    let id = first.to_str().ok_or_else(|| not_utf8("id", &first))?.to_string();
    Ok((id, all.collect()))
}

fn verb_args(verb: &str, m: &ArgMatches) -> Result<Command, UsageError> {
    let id_arg = || IdArg { id: id(m) };
    Ok(match verb {
        "create" => Command::Create(create_args(m)),
        "start" => Command::Start(id_arg()),
        "run" => Command::Run(RunArgs { create: create_args(m), detach: flag(m, "detach"), keep: flag(m, "keep") }),
        "state" => Command::State(id_arg()),
        "kill" => Command::Kill(KillArgs { all: flag(m, "all"), id: id(m), signal: text(m, "signal") }),
        "delete" => Command::Delete(DeleteArgs { force: flag(m, "force"), id: id(m) }),
        "list" => Command::List(ListArgs {
            format: if is_json(m) { ListFormat::Json } else { ListFormat::Table },
            quiet: flag(m, "quiet"),
        }),
        "spec" => Command::Spec(SpecArgs {
            bundle: path(m, "bundle").unwrap_or_else(|| PathBuf::from(".")),
            rootless: flag(m, "spec-rootless"),
        }),
        "features" => Command::Features,
        "pause" => Command::Pause(id_arg()),
        "resume" => Command::Resume(id_arg()),
        "update" => Command::Update(Box::new(update_args(m))),
        "events" => Command::Events(EventsArgs {
            interval: text(m, "interval").unwrap_or_else(|| "5s".into()),
            stats: flag(m, "stats"),
            id: id(m),
        }),
        "ps" => {
            let (id, rest) = id_and_rest(m)?;
            let ps_args = rest
                .into_iter()
                .map(|a| a.into_string().map_err(|a| not_utf8("argument", &a)))
                .collect::<Result<_, _>>()?;
            Command::Ps(PsArgs { format: if is_json(m) { PsFormat::Json } else { PsFormat::Table }, id, ps_args })
        }
        "exec" => Command::Exec(Box::new(exec_args(m)?)),
        "checkpoint" => Command::Checkpoint(Box::new(CheckpointArgs {
            criu: criu_args(m),
            leave_running: flag(m, "leave-running"),
            pre_dump: flag(m, "pre-dump"),
            parent_path: path(m, "parent-path"),
            tcp_skip_in_flight: flag(m, "tcp-skip-in-flight"),
            link_remap: flag(m, "link-remap"),
            page_server: text(m, "page-server"),
            status_fd: text(m, "status-fd"),
            id: id(m),
        })),
        "restore" => Command::Restore(Box::new(RestoreArgs {
            criu: criu_args(m),
            bundle: path(m, "bundle").unwrap_or_else(|| PathBuf::from(".")),
            console_socket: path(m, "console-socket"),
            pid_file: path(m, "pid-file"),
            detach: flag(m, "detach"),
            tcp_close: flag(m, "tcp-close"),
            lsm_profile: text(m, "lsm-profile"),
            lsm_mount_context: text(m, "lsm-mount-context"),
            id: id(m),
        })),
        other => return Err(usage_err(format!("unknown command {other:?}"))),
    })
}

fn criu_args(m: &ArgMatches) -> CriuArgs {
    CriuArgs {
        image_path: path(m, "image-path"),
        work_path: path(m, "work-path"),
        tcp_established: flag(m, "tcp-established"),
        ext_unix_sk: flag(m, "ext-unix-sk"),
        shell_job: flag(m, "shell-job"),
        file_locks: flag(m, "file-locks"),
        manage_cgroups_mode: text(m, "manage-cgroups-mode"),
        lazy_pages: flag(m, "lazy-pages"),
        empty_ns: text(m, "empty-ns"),
        auto_dedup: flag(m, "auto-dedup"),
    }
}

fn is_json(m: &ArgMatches) -> bool {
    text(m, "format").as_deref() == Some("json")
}

fn create_args(m: &ArgMatches) -> CreateArgs {
    CreateArgs {
        bundle: path(m, "bundle").unwrap_or_else(|| PathBuf::from(".")),
        pid_file: path(m, "pid-file"),
        console_socket: path(m, "console-socket"),
        no_pivot: flag(m, "no-pivot"),
        no_new_keyring: flag(m, "no-new-keyring"),
        preserve_fds: number(m, "preserve-fds"),
        pidfd_socket: path(m, "pidfd-socket"),
        id: id(m),
    }
}

fn update_args(m: &ArgMatches) -> UpdateArgs {
    UpdateArgs {
        resources: text(m, "resources"),
        memory: text(m, "memory"),
        memory_reservation: text(m, "memory-reservation"),
        memory_swap: text(m, "memory-swap"),
        kernel_memory: text(m, "kernel-memory"),
        kernel_memory_tcp: text(m, "kernel-memory-tcp"),
        cpu_share: text(m, "cpu-share"),
        cpu_quota: text(m, "cpu-quota"),
        cpu_period: text(m, "cpu-period"),
        cpu_burst: text(m, "cpu-burst"),
        cpu_rt_period: text(m, "cpu-rt-period"),
        cpu_rt_runtime: text(m, "cpu-rt-runtime"),
        cpu_idle: text(m, "cpu-idle"),
        cpuset_cpus: text(m, "cpuset-cpus"),
        cpuset_mems: text(m, "cpuset-mems"),
        pids_limit: text(m, "pids-limit"),
        blkio_weight: text(m, "blkio-weight"),
        l3_cache_schema: text(m, "l3-cache-schema"),
        mem_bw_schema: text(m, "mem-bw-schema"),
        id: id(m),
    }
}

fn exec_args(m: &ArgMatches) -> Result<ExecArgs, UsageError> {
    let (id, command) = id_and_rest(m)?;
    Ok(ExecArgs {
        process: ProcessFlags {
            file: path(m, "process"),
            tty: flag(m, "tty"),
            cwd: path(m, "cwd"),
            env: texts(m, "env"),
            user: text(m, "user"),
            additional_gids: texts(m, "additional-gids"),
            caps: texts(m, "cap"),
            no_new_privs: flag(m, "no-new-privs"),
            apparmor: text(m, "apparmor"),
            process_label: text(m, "process-label"),
            command,
        },
        detach: flag(m, "detach"),
        pid_file: path(m, "pid-file"),
        console_socket: path(m, "console-socket"),
        pidfd_socket: path(m, "pidfd-socket"),
        preserve_fds: number(m, "preserve-fds"),
        ignore_paused: flag(m, "ignore-paused"),
        cgroup: texts(m, "cgroup"),
        id,
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
        assert!(define::VERBS.iter().all(|(name, _)| top.contains(name)), "{top}");
        let exec = help("help exec");
        assert!(exec.contains("--pidfd-socket <SOCKET>") && exec.contains("[command]..."), "{exec}");
        assert!(!help("update -h").contains("kernel-memory"), "hidden options stay hidden");
    }

    fn err(args: &[OsString]) -> String {
        parse(args).unwrap_err().0
    }

    fn words(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    fn raw(b: &[u8]) -> OsString {
        use std::os::unix::ffi::OsStringExt;
        OsString::from_vec(b.to_vec())
    }

    /// clap checks a definition only when it is built, and a parse builds
    /// one verb: build them all, under clap's own consistency checks.
    #[test]
    fn the_definition_is_consistent() {
        command().debug_assert();
        for (name, _) in define::VERBS {
            assert!(define::verb(name, true).is_some(), "{name}");
        }
    }

    #[test]
    fn long_short_attached_and_clustered_forms() {
        let c = cli("--root=/r run -db/b --pid-file=/p --preserve-fds=3 c1 --debug");
        assert_eq!(c.global.root, PathBuf::from("/r"));
        assert!(c.global.debug, "a global option after the verb's arguments");
        let Some(Command::Run(r)) = c.command else { panic!("not run") };
        assert!(r.detach, "-db/b: -d, then -b with its value attached");
        assert_eq!((r.create.bundle, r.create.pid_file), (PathBuf::from("/b"), Some(PathBuf::from("/p"))));
        assert_eq!((r.create.preserve_fds, r.create.id.as_str()), (3, "c1"));
        let Some(Command::Exec(e)) = cli("exec -dturoot -e A=1 c1").command else { panic!("not exec") };
        assert!(e.detach && e.process.tty);
        assert_eq!((e.process.user.as_deref(), e.process.env), (Some("root"), vec!["A=1".to_string()]));
        let Some(Command::Run(r)) = cli("run --bundle /x -b /y --keep --keep c").command else { panic!("not run") };
        assert_eq!(r.create.bundle, PathBuf::from("/y"), "the last one wins, and a repeat is no error");
        let Some(Command::Update(u)) = cli("update --memory -1 --cpu-quota=-1 c").command else { panic!() };
        assert_eq!((u.memory.as_deref(), u.cpu_quota.as_deref()), (Some("-1"), Some("-1")), "values with a dash");
        let Some(Command::Update(u)) = cli("update --kernel-memory 1 --kernel-memory-tcp 2 c").command else {
            panic!()
        };
        assert_eq!((u.kernel_memory.as_deref(), u.kernel_memory_tcp.as_deref()), (Some("1"), Some("2")));
    }

    #[test]
    fn global_options_before_and_after_the_verb() {
        let c = cli("state --root /r --log /l --log-format json --debug --systemd-cgroup --rootless auto c");
        assert_eq!((c.global.root, c.global.log), (PathBuf::from("/r"), Some(PathBuf::from("/l"))));
        assert!(c.global.root_given && c.global.debug && c.global.systemd_cgroup);
        assert_eq!((c.global.log_format, c.global.rootless.as_deref()), (LogFormat::Json, Some("auto")));
        assert_eq!(cli("--root /a state --root /b c").global.root, PathBuf::from("/b"), "the later one wins");
        assert!(cli("list -v").global.version && cli("-v").global.version);
        let c = cli("--log-format json --root /r list");
        assert_eq!((c.global.log_format, c.global.root), (LogFormat::Json, PathBuf::from("/r")));
        assert!(!cli("list").global.root_given);
    }

    /// The verb is found past the global options and their values, in
    /// every form; a short global taking a value (berth has none yet) too.
    #[test]
    fn the_verb_is_found_past_global_options() {
        let top = define::top();
        let at = |line: &str| find_verb(&words(line), &top).map(|(i, _)| i);
        assert_eq!(at("--root /r --log=/l --log-format json --rootless true --debug -v state c"), Some(9));
        assert_eq!(at("--root state list"), Some(2), "a value that is a verb's name is a value");
        assert_eq!(at("--root"), None);
        assert_eq!(at("-- state"), None);
        let top = top
            .arg(clap::Arg::new("x").short('x'))
            .arg(clap::Arg::new("q").short('q').action(clap::ArgAction::SetTrue));
        assert_eq!(at_with(&top, "-x state list"), Some(2));
        assert_eq!(at_with(&top, "-qx state list"), Some(2));
        assert_eq!(at_with(&top, "-xstate list"), Some(1));
        assert_eq!(at_with(&top, "-q list"), Some(1));
    }

    fn at_with(top: &clap::Command, line: &str) -> Option<usize> {
        find_verb(&words(line), top).map(|(i, _)| i)
    }

    /// The verb's copies of the global options are built only when an
    /// argument after it can be one; every spelling of one is seen.
    #[test]
    fn global_options_after_the_verb_in_every_spelling() {
        for line in [
            "state --root /r c",
            "state --root=/r c",
            "state c --root /r",
            "run --bundle -- c --root /r",
            "run --bundle --root --root /r c",
            "exec --root /r c sh",
        ] {
            assert_eq!(cli(line).global.root, PathBuf::from("/r"), "{line}");
        }
        assert!(cli("state -v c").global.version && cli("kill -av c").global.version);
        assert!(cli("delete -f c --debug").global.debug);
        assert!(matches!(parse(&words("state c -h")), Ok(Parsed::Help(_))));
        let top = define::top();
        let after = |line: &str| global_after(&words(line), &top);
        assert!(!after("--process /p -d --pid-file /pid c1") && !after("-f c") && !after("c KILL"));
        assert!(after("-f c --log-format=json") && after("-dv c") && after("c sh -c -h"));
    }

    #[test]
    fn double_dash_ends_the_options() {
        let Some(Command::State(s)) = cli("state -- -c").command else { panic!("not state") };
        assert_eq!(s.id, "-c");
        let Some(Command::Kill(k)) = cli("kill -- c -9").command else { panic!("not kill") };
        assert_eq!((k.id.as_str(), k.signal.as_deref()), ("c", Some("-9")));
        let Some(Command::Exec(e)) = cli("exec -- c1 -x").command else { panic!("not exec") };
        assert_eq!((e.id.as_str(), e.process.command.as_slice()), ("c1", &[OsString::from("-x")][..]));
    }

    #[test]
    fn everything_after_execs_id_is_the_command() {
        let Some(Command::Exec(e)) = cli("exec -t -e A=1 c1 ls -la --debug -t -- -h --help").command else {
            panic!("not exec")
        };
        assert!(e.process.tty && e.process.env == ["A=1"]);
        assert_eq!(e.process.command, words("ls -la --debug -t -- -h --help"));
        let c = cli("exec c1 sh -c --debug");
        assert!(!c.global.debug, "--debug after the id is the command's");
        let Some(Command::Exec(e)) = cli("exec c1 -- --weird").command else { panic!("not exec") };
        assert_eq!(e.process.command, words("-- --weird"), "after the id, even -- belongs to the command");
        let Some(Command::Exec(e)) = cli("exec c1").command else { panic!("not exec") };
        assert!(e.process.command.is_empty());
        let Some(Command::Ps(p)) = cli("ps c -ef -- --help").command else { panic!("not ps") };
        assert_eq!(p.ps_args, ["-ef", "--", "--help"]);
    }

    #[test]
    fn bytes_pass_through_where_a_path_or_command_may_hold_them() {
        let args = [raw(b"--root"), raw(b"/r\xff"), raw(b"exec"), raw(b"--cwd=/d\xfe"), raw(b"c1"), raw(b"ls")];
        let Parsed::Run(c) = parse(&[&args[..], &[raw(b"\xfe")]].concat()).unwrap() else { panic!("help") };
        assert_eq!(c.global.root, PathBuf::from(raw(b"/r\xff")));
        let Some(Command::Exec(e)) = c.command else { panic!("not exec") };
        assert_eq!(e.process.cwd, Some(PathBuf::from(raw(b"/d\xfe"))));
        assert_eq!(e.process.command, [raw(b"ls"), raw(b"\xfe")]);
        let Parsed::Run(c) =
            parse(&[raw(b"run"), raw(b"-b\xff"), raw(b"--pid-file"), raw(b"\xfe"), raw(b"c")]).unwrap()
        else {
            panic!("help")
        };
        let Some(Command::Run(r)) = c.command else { panic!("not run") };
        assert_eq!(
            (r.create.bundle, r.create.pid_file),
            (PathBuf::from(raw(b"\xff")), Some(PathBuf::from(raw(b"\xfe"))))
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_named_and_shown_escaped() {
        for (args, want) in [
            (vec![raw(b"state"), raw(b"x\xff")], r#"id "x\xFF": not UTF-8"#),
            (vec![raw(b"exec"), raw(b"x\xff"), raw(b"true")], r#"id "x\xFF": not UTF-8"#),
            (vec![raw(b"ps"), raw(b"c"), raw(b"\xff")], r#"argument "\xFF": not UTF-8"#),
            (vec![raw(b"kill"), raw(b"c"), raw(b"\xff")], r#"signal "\xFF": not UTF-8"#),
            (vec![raw(b"exec"), raw(b"--env"), raw(b"A=\xff"), raw(b"c")], r#"value for --env "A=\xFF": not UTF-8"#),
            (
                vec![raw(b"--log-format"), raw(b"js\xffon"), raw(b"list")],
                r#"value for --log-format "js\xFFon": not UTF-8"#,
            ),
            (
                vec![raw(b"run"), raw(b"--preserve-fds=\xff"), raw(b"c")],
                r#"value for --preserve-fds "\xFF": not UTF-8"#,
            ),
            (vec![raw(b"\xff")], r#"unknown command "\xFF""#),
            (vec![raw(b"--r\xffoot"), raw(b"list")], r#"unknown option "--r\xFFoot""#),
            (vec![raw(b"list"), raw(b"-\xff")], r#"unknown option "-\xFF" for list"#),
            (vec![raw(b"list"), raw(b"-q\xff")], r#"unknown option "-q\xFF" for list"#),
            (vec![raw(b"start"), raw(b"c"), raw(b"\xff")], r#"unexpected argument "\xFF" for start"#),
        ] {
            assert_eq!(err(&args), want, "{args:?}");
        }
    }

    #[test]
    fn usage_errors_are_one_line_and_name_the_argument() {
        for (line, want) in [
            ("frob", "unknown command \"frob\""),
            ("--nope state c", "unknown option --nope"),
            ("--roo /x state c", "unknown option --roo"),
            ("run --nope c", "unknown option --nope for run"),
            ("run --nope=1 c", "unknown option --nope for run"),
            ("run -x c", "unknown option -x for run"),
            ("run -dx c", "unknown option -x for run"),
            ("run", "run needs <id>"),
            ("exec -t", "exec needs <id>"),
            ("kill", "kill needs <id>"),
            ("run --detach=yes c", "--detach takes no value"),
            ("run c --bundle", "--bundle <DIR> needs a value"),
            ("kill c KILL more", "unexpected argument \"more\" for kill"),
            ("list c", "unexpected argument \"c\" for list"),
            ("-- state c", "unexpected argument \"state\""),
            ("--rootless maybe list", "invalid value \"maybe\" for --rootless: one of true, false, auto"),
            ("ps -f yaml c", "invalid value \"yaml\" for --format: one of table, json"),
            ("exec --preserve-fds -1 c", "invalid value \"-1\" for --preserve-fds: a number"),
            ("run --preserve-fds= c", "invalid value \"\" for --preserve-fds: a number"),
            ("list --format", "--format <table|json> needs a value"),
            ("--help=1", "--help takes no value"),
        ] {
            let e = err(&words(line));
            assert_eq!(e, want, "{line}");
        }
    }

    #[test]
    fn help_anywhere() {
        let help = |line: &str| match parse(&words(line)).unwrap() {
            Parsed::Help(h) => h,
            Parsed::Run(_) => panic!("no help for {line}"),
        };
        let run = help("run -h");
        assert!(run.contains("Usage: berth run [OPTIONS] <id>") && run.contains("-b, --bundle <DIR>"), "{run}");
        assert!(run.contains("Global options:\n") && run.contains("    --root <DIR>"), "{run}");
        for line in ["start --help", "help start", "-h start", "--root /r start -h c"] {
            assert!(help(line).starts_with("Start a created"), "{line}");
        }
        assert!(help("delete -fh").starts_with("Delete a container"), "-h in a cluster");
        assert!(help("kill -h").contains("Usage: berth kill [OPTIONS] <id> [signal]"));
        assert!(help("ps --help").contains("<id> [ps-args]..."));
        let top = help("help");
        assert_eq!(top, help("-h"));
        assert_eq!(top, help("help frob"), "an unknown verb's help is the program's");
        assert_eq!(top, usage());
        assert!(top.contains("Usage: berth [OPTIONS] <COMMAND>") && top.contains("  -v, --version"), "{top}");
        assert!(help("spec -h").contains("    --rootless  "), "spec's own --rootless, not the global one");
        let Parsed::Run(c) = parse(&words("exec c1 ls -h")).unwrap() else { panic!("-h after exec's id is help") };
        assert!(matches!(c.command, Some(Command::Exec(_))));
    }
}
