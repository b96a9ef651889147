//! What berth's command line is, as clap `Command`s: the parser, the help
//! text, the man pages and the shell completions all read these. Names,
//! short forms and defaults follow runc, since engines call berth as runc.
//!
//! Only the verb an argv names is built for a parse (`verb`), so a call pays
//! for its own options and not for all fifteen verbs'.

use clap::builder::{PossibleValue, TypedValueParser, ValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};
use std::ffi::OsStr;

pub const ABOUT: &str = "A daemonless OCI container runtime";

/// The heading global options are shown under, at the top and in each verb.
pub const GLOBAL: &str = "Global options";

/// Every verb, in the order help lists them, and what it does.
pub const VERBS: [(&str, &str); 17] = [
    ("create", "Create a container and leave it waiting for `start`"),
    ("start", "Start a created container's user process"),
    ("run", "Create, start, wait for and delete a container"),
    ("state", "Print the OCI state of a container"),
    ("kill", "Send a signal to a container's init process"),
    ("delete", "Delete a container and everything it holds"),
    ("list", "List containers"),
    ("spec", "Write a default config.json"),
    ("features", "Print the features this runtime supports, as JSON"),
    ("pause", "Freeze every process of a container"),
    ("resume", "Thaw a paused container"),
    ("update", "Change a container's resource limits while it runs"),
    ("events", "Print a container's resource usage, and OOM events as they happen"),
    ("ps", "List the processes of a container"),
    ("exec", "Run a new process inside a running container"),
    ("checkpoint", "Checkpoint a running container with CRIU"),
    ("restore", "Restore a container from a CRIU checkpoint"),
];

/// The program with its global options and no verb: what a parse starts
/// from, before the verb the argv names is added.
pub fn top() -> Command {
    globals(settings(Command::new("berth").about(ABOUT).version(env!("CARGO_PKG_VERSION"))), None)
}

/// The whole program, every verb included: for `--help` and the docs.
pub fn full() -> Command {
    VERBS.iter().filter_map(|(name, _)| verb(name, true)).fold(top(), Command::subcommand)
}

/// What is the same on every command: runc's grammar, and no options of
/// clap's own (berth's `-h` and `-v` are in `GLOBALS`).
fn settings(cmd: Command) -> Command {
    cmd.no_binary_name(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        // runc: an option given twice is not an error; the last one counts.
        .args_override_self(true)
}

// Each verb's options are a table of functions that make them, added one
// after the other: an Arg is 600 bytes and a Command 688, and chains or
// arrays of them kept up to 26 KiB of temporaries on the stack at every
// call (measured in peak RSS: +16 to +24 KiB).
type Options = [fn() -> Arg];

/// `cmd` with the options `options` make, in order.
fn with(mut cmd: Command, options: &Options) -> Command {
    for make in options {
        cmd = cmd.arg(make());
    }
    cmd
}

/// The options valid before and after the verb.
const GLOBALS: [fn() -> Arg; 8] = [
    || path("root", None, "DIR", "Directory holding container state [default: /run/berth]"),
    || path("log", None, "FILE", "Append log lines to this file instead of stderr"),
    || choice("log-format", "text|json", &["text", "json"], "Format of log lines [default: text]"),
    || flag("debug", None, "Also log debug messages"),
    || flag("systemd-cgroup", None, "Manage cgroups through systemd (needs a running systemd)"),
    || {
        let values = &["true", "false", "auto"];
        choice("rootless", "true|false|auto", values, "Rootless mode: auto (the default) when not root on the host")
    },
    || flag("version", Some('v'), "Print the version and exit"),
    || Arg::new("help").short('h').long("help").help("Print help").action(ArgAction::Help),
];

/// The program has the global options, and each verb its own copies, so
/// that they parse after it too, except one the verb defines itself
/// (`spec --rootless` is spec's flag).
fn globals(mut cmd: Command, except: Option<&str>) -> Command {
    for make in GLOBALS {
        let arg = make();
        if arg.get_long() != except {
            cmd = cmd.arg(arg.help_heading(GLOBAL));
        }
    }
    cmd
}

/// One verb with its options and arguments, then (with `globals`) its
/// copies of the global options.
pub fn verb(name: &str, with_globals: bool) -> Option<Command> {
    let &(name, about) = VERBS.iter().find(|(n, _)| *n == name)?;
    let cmd = settings(Command::new(name).about(about));
    let (cmd, except) = match name {
        "create" => (with(with(cmd, &CREATE), &[id]), None),
        "run" => (with(with(cmd, &CREATE), &RUN), None),
        "start" | "state" | "pause" | "resume" => (with(cmd, &[id]), None),
        "kill" => (with(cmd, &KILL), None),
        "delete" => (with(cmd, &DELETE), None),
        "list" => (with(cmd, &LIST), None),
        "spec" => (with(cmd, &SPEC), Some("rootless")),
        "features" => (cmd, None),
        "update" => (with(with(cmd, &UPDATE), &[id]), None),
        "events" => (with(cmd, &EVENTS), None),
        "ps" => (with(cmd, &PS), None),
        "exec" => (with(cmd, &EXEC), None),
        "checkpoint" => (with(with(with(cmd, &CHECKPOINT), &CRIU_COMMON), &[id]), None),
        "restore" => (with(with(with(cmd, &RESTORE), &CRIU_COMMON), &[id]), None),
        _ => return None,
    };
    Some(if with_globals { globals(cmd, except) } else { cmd })
}

const CREATE: [fn() -> Arg; 7] = [
    || path("bundle", Some('b'), "DIR", "Bundle directory (holds config.json) [default: .]"),
    || path("pid-file", None, "FILE", "Write the init process's pid to this file"),
    || {
        let help = "Unix socket that receives the pty master when process.terminal is true";
        path("console-socket", None, "SOCKET", help)
    },
    || flag("no-pivot", None, "Use chroot instead of pivot_root (for ramfs roots)"),
    || flag("no-new-keyring", None, "Do not create a new session keyring"),
    || number("preserve-fds", "Pass this many fds beyond stdio (3..3+N) into the container"),
    || path("pidfd-socket", None, "SOCKET", "Unix socket that receives a pidfd of the container's init"),
];

/// `run`'s own, after `create`'s.
const RUN: [fn() -> Arg; 3] = [
    || flag("detach", Some('d'), "Return once the container has started"),
    || flag("keep", None, "Keep the container after it exits (do not delete it)"),
    id,
];

const KILL: [fn() -> Arg; 3] = [
    || flag("all", Some('a'), "Signal every process of the container"),
    id,
    || {
        let help = "Signal name (KILL, SIGKILL) or number [default: TERM]";
        Arg::new("signal").value_name("signal").help(help).value_parser(Text(None))
    },
];

const DELETE: [fn() -> Arg; 2] =
    [|| flag("force", Some('f'), "Kill a running container, and succeed when it does not exist"), id];

const LIST: [fn() -> Arg; 2] = [format, || flag("quiet", Some('q'), "Print only container ids")];

const SPEC: [fn() -> Arg; 2] = [
    || path("bundle", Some('b'), "DIR", "Bundle directory [default: .]"),
    || {
        flag("rootless", None, "Write a config for a rootless container (user namespace, no cgroups)")
            // Its own id: the global --rootless is looked up by "rootless".
            .id("spec-rootless")
    },
];

const UPDATE: [fn() -> Arg; 19] = [
    || text("resources", Some('r'), "FILE", "A JSON file with the linux.resources to change, or - for stdin"),
    || text("memory", None, "BYTES", "Memory limit in bytes (64m, 1g, ... accepted; -1 for none)"),
    || text("memory-reservation", None, "BYTES", "Memory reservation (soft limit)"),
    || text("memory-swap", None, "BYTES", "Memory plus swap limit; -1 for unlimited swap"),
    // runc still accepts these; current kernels have no such limits.
    || text("kernel-memory", None, "BYTES", "Kernel memory limit (refused: current kernels have none)").hide(true),
    || text("kernel-memory-tcp", None, "BYTES", "Kernel TCP buffer limit (cgroup v1 only)").hide(true),
    || text("cpu-share", None, "SHARES", "CPU shares (relative weight)").alias("cpu-shares"),
    || text("cpu-quota", None, "US", "CFS quota in microseconds per period; -1 for none"),
    || text("cpu-period", None, "US", "CFS period in microseconds"),
    || text("cpu-burst", None, "US", "CFS burst in microseconds"),
    || text("cpu-rt-period", None, "US", "Realtime period in microseconds (cgroup v1 only)"),
    || text("cpu-rt-runtime", None, "US", "Realtime runtime in microseconds per period (cgroup v1 only)"),
    || text("cpu-idle", None, "0|1", "1: SCHED_IDLE for the cgroup, 0: the default"),
    || text("cpuset-cpus", None, "LIST", "CPUs to run on (0-3, 0,1)"),
    || text("cpuset-mems", None, "LIST", "Memory nodes to use"),
    || text("pids-limit", None, "N", "Maximum number of pids; 0 or -1 for none"),
    || text("blkio-weight", None, "N", "Block IO weight, 10 to 1000"),
    || text("l3-cache-schema", None, "SCHEMA", "Intel RDT L3 cache schema (not supported)"),
    || text("mem-bw-schema", None, "SCHEMA", "Intel RDT memory bandwidth schema (not supported)"),
];

const EVENTS: [fn() -> Arg; 3] = [
    || text("interval", None, "DURATION", "Time between stats lines (5s, 500ms, 1m30s) [default: 5s]"),
    || flag("stats", None, "Print the stats once and exit"),
    id,
];

const PS: [fn() -> Arg; 2] =
    [format, || id_then("ps-args", "The container's id, then arguments for ps [default: -ef]")];

const EXEC: [fn() -> Arg; 18] = [
    || path("process", Some('p'), "FILE", "A JSON file holding the whole OCI process to run"),
    || flag("tty", Some('t'), "Allocate a pseudo-terminal"),
    || path("cwd", None, "DIR", "Working directory inside the container"),
    || text("env", Some('e'), "NAME=VALUE", "Set an environment variable; may repeat").action(ArgAction::Append),
    || text("user", Some('u'), "UID[:GID]", "User to run as"),
    || text("additional-gids", Some('g'), "GID", "Additional group id; may repeat").action(ArgAction::Append),
    || {
        let help = "Add a capability (CAP_NET_ADMIN or NET_ADMIN); may repeat";
        text("cap", Some('c'), "CAP", help).action(ArgAction::Append)
    },
    || flag("no-new-privs", None, "Set no_new_privs for the process"),
    || text("apparmor", None, "PROFILE", "AppArmor profile for the process"),
    || text("process-label", None, "LABEL", "SELinux label for the process"),
    || flag("detach", Some('d'), "Return once the process has started"),
    || path("pid-file", None, "FILE", "Write the process's pid to this file"),
    || path("console-socket", None, "SOCKET", "Unix socket that receives the pty master when a terminal is used"),
    || path("pidfd-socket", None, "SOCKET", "Unix socket that receives a pidfd of the new process"),
    || number("preserve-fds", "Pass this many fds beyond stdio (3..3+N) into the process"),
    || flag("ignore-paused", None, "Allow exec into a paused container (the process starts frozen)"),
    || {
        let help = "Run in a sub-cgroup of the container; may repeat";
        text("cgroup", None, "[CONTROLLERS:]PATH", help).action(ArgAction::Append)
    },
    || id_then("command", "The container's id, then the command to run, if not from --process"),
];

/// runc's checkpoint options, besides those restore shares.
const CHECKPOINT: [fn() -> Arg; 7] = [
    || flag("leave-running", None, "Leave the container running after the checkpoint"),
    || flag("pre-dump", None, "Dump memory only, leaving the container running (for a later, shorter dump)"),
    || path("parent-path", None, "DIR", "The images of a previous pre-dump, relative to --image-path"),
    || flag("tcp-skip-in-flight", None, "Skip connections not yet accepted"),
    || flag("link-remap", None, "Allow one to link unlinked files back when possible"),
    || text("page-server", None, "ADDR:PORT", "Send the pages to a CRIU page server at ADDR:PORT"),
    || text("status-fd", None, "FD", "Write \\0 to FD once the lazy pages are ready to be served"),
];

/// runc's restore options, besides those checkpoint shares.
const RESTORE: [fn() -> Arg; 11] = [
    || path("bundle", Some('b'), "DIR", "Bundle directory (holds config.json) [default: .]"),
    || {
        let help = "Unix socket that receives the pty master when process.terminal is true";
        path("console-socket", None, "SOCKET", help)
    },
    || path("pid-file", None, "FILE", "Write the restored init's pid to this file"),
    || flag("detach", Some('d'), "Return once the container is restored"),
    || flag("no-pivot", None, "Accepted for runc's command line (CRIU makes the root)"),
    || flag("no-subreaper", None, "Accepted for runc's command line"),
    || flag("no-new-keyring", None, "Accepted as conmon passes it (the keyring is in the images)"),
    || number("preserve-fds", "Accepted as conmon passes it (only fds that were dumped are restored)"),
    || flag("tcp-close", None, "Restore connections as closed"),
    || text("lsm-profile", None, "TYPE:NAME", "Restore with this LSM profile (refused: no LSM here)"),
    || text("lsm-mount-context", None, "CONTEXT", "Restore mounts with this SELinux context (refused)"),
];

/// What checkpoint and restore both take.
const CRIU_COMMON: [fn() -> Arg; 10] = [
    || path("image-path", None, "DIR", "Where the images are [default: ./checkpoint]"),
    || path("work-path", None, "DIR", "Where CRIU writes its log and work files [default: the image path]"),
    || flag("tcp-established", None, "Checkpoint or restore established TCP connections"),
    || flag("ext-unix-sk", None, "Allow unix sockets connected outside the container"),
    || flag("shell-job", None, "The container is a shell job (its terminal is outside)"),
    || flag("file-locks", None, "Checkpoint or restore file locks"),
    || {
        let help = "How CRIU handles cgroups: soft (the default), full, strict or ignore";
        choice("manage-cgroups-mode", "MODE", &["soft", "full", "strict", "ignore"], help)
    },
    || flag("lazy-pages", None, "Leave the pages to be fetched lazily (checkpoint), or fetch them so (restore)"),
    || text("empty-ns", None, "NS", "A namespace (network) checkpointed as empty, given at restore"),
    || flag("auto-dedup", None, "Punch holes in the images as their pages are dumped or restored"),
];

fn format() -> Arg {
    choice("format", "table|json", &["table", "json"], "Output format [default: table]").short('f')
}

fn id() -> Arg {
    Arg::new("id").value_name("id").required(true).help("The container's id").value_parser(Text(None))
}

/// `exec` and `ps`: the id and, as runc takes them, every argument after it
/// as it is, `--` and flag-like words included. One argument whose first
/// value is the id, because clap ends option parsing only inside the last
/// positional (trailing_var_arg), and a separate id would let a `--` right
/// after it be eaten as the end of options.
fn id_then(rest: &'static str, help: &'static str) -> Arg {
    Arg::new("args")
        .value_names(["id", rest])
        .num_args(1..)
        .required(true)
        // From the first value on, the rest are values, whatever they look
        // like. (allow_hyphen_values would also take an unknown option or a
        // cluster such as `-turoot` before the id as the id.)
        .trailing_var_arg(true)
        .help(help)
        .value_parser(ValueParser::os_string())
}

fn flag(long: &'static str, short: Option<char>, help: &'static str) -> Arg {
    let arg = Arg::new(long).long(long).help(help).action(ArgAction::SetTrue);
    match short {
        Some(c) => arg.short(c),
        None => arg,
    }
}

/// An option whose value is bytes, as the kernel takes a path. Its value is
/// the next argument whatever it looks like (`--memory -1`), as in runc.
fn path(long: &'static str, short: Option<char>, value: &'static str, help: &'static str) -> Arg {
    let arg = Arg::new(long)
        .long(long)
        .value_name(value)
        .help(help)
        .allow_hyphen_values(true)
        .value_parser(ValueParser::os_string());
    match short {
        Some(c) => arg.short(c),
        None => arg,
    }
}

/// An option whose value berth needs as text.
fn text(long: &'static str, short: Option<char>, value: &'static str, help: &'static str) -> Arg {
    path(long, short, value, help).value_parser(Text(None))
}

/// An option whose value is one of `choices`; `value` lists them for the
/// help, as runc's does, so clap's own list of them is not repeated there.
fn choice(long: &'static str, value: &'static str, choices: &'static [&'static str], help: &'static str) -> Arg {
    path(long, None, value, help).value_parser(Text(Some(choices))).hide_possible_values(true)
}

fn number(long: &'static str, help: &'static str) -> Arg {
    path(long, None, "N", help).value_parser(Number)
}

/// A value as UTF-8, from a closed set when given one. A value that is not
/// is a clap error carrying the option and the value (escaped when it is not
/// UTF-8); `errors.rs` makes the line from that context.
#[derive(Clone, Copy)]
struct Text(Option<&'static [&'static str]>);

impl TypedValueParser for Text {
    type Value = String;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<String, clap::Error> {
        let text = value.to_str().ok_or_else(|| invalid(cmd, arg, value, None))?;
        match self.0 {
            Some(choices) if !choices.contains(&text) => {
                let valid = ContextValue::Strings(choices.iter().map(|c| c.to_string()).collect());
                Err(invalid(cmd, arg, value, Some(valid)))
            }
            _ => Ok(text.to_owned()),
        }
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        self.0.map(|c| Box::new(c.iter().map(|v| PossibleValue::new(*v))) as Box<dyn Iterator<Item = _>>)
    }
}

/// A count such as `--preserve-fds`'s.
#[derive(Clone, Copy)]
struct Number;

impl TypedValueParser for Number {
    type Value = u32;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<u32, clap::Error> {
        let text = value.to_str().ok_or_else(|| invalid(cmd, arg, value, None))?;
        text.parse().map_err(|_| invalid(cmd, arg, value, Some(ContextValue::String("a number".into()))))
    }
}

/// The error for a value that is not text (no `valid`: kind InvalidUtf8,
/// the value escaped) or not one of `valid` (kind ValueValidation, which
/// clap itself gives only for a value parser's refusal; its InvalidValue is
/// for a missing value).
fn invalid(cmd: &Command, arg: Option<&Arg>, value: &OsStr, valid: Option<ContextValue>) -> clap::Error {
    let name = match arg {
        Some(a) => match a.get_long() {
            Some(long) => format!("--{long}"),
            None => a.get_id().to_string(),
        },
        None => "argument".to_string(),
    };
    let (kind, shown) = match (&valid, value.to_str()) {
        (Some(_), Some(text)) => (ErrorKind::ValueValidation, text.to_string()),
        _ => (ErrorKind::InvalidUtf8, format!("{value:?}")),
    };
    let mut err = clap::Error::new(kind).with_cmd(cmd);
    err.insert(ContextKind::InvalidArg, ContextValue::String(name));
    err.insert(ContextKind::InvalidValue, ContextValue::String(shown));
    if let Some(valid) = valid {
        err.insert(ContextKind::ValidValue, valid);
    }
    err
}
