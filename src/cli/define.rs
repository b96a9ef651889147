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
pub const VERBS: [(&str, &str); 15] = [
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
];

/// The program with its global options and no verb: what a parse starts
/// from, before the verb the argv names is added.
pub fn top() -> Command {
    globals(settings(Command::new("berth").about(ABOUT).version(env!("CARGO_PKG_VERSION"))), None)
}

/// The whole program, every verb included: for `--help` and the docs.
pub fn full() -> Command {
    VERBS.iter().filter_map(|(name, _)| verb(name)).fold(top(), Command::subcommand)
}

// The options are added to their Command one at a time, never gathered in
// arrays first: an Arg is 600 bytes, and arrays of them cost stack pages at
// every call (measured: 24 KiB more peak RSS for exec).

/// What is the same on every command: runc's grammar, and no options of
/// clap's own (berth's `-h` and `-v` are in `globals`).
fn settings(cmd: Command) -> Command {
    cmd.no_binary_name(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        // runc: an option given twice is not an error; the last one counts.
        .args_override_self(true)
}

/// The options valid before and after the verb: the program has them, and
/// each verb its own copies, so that they parse after it too, except one
/// the verb defines itself (`spec --rootless` is spec's flag).
fn globals(mut cmd: Command, except: Option<&str>) -> Command {
    let global = |a: Arg| a.help_heading(GLOBAL);
    cmd = cmd
        .arg(global(path("root", None, "DIR", "Directory holding container state [default: /run/berth]")))
        .arg(global(path("log", None, "FILE", "Append log lines to this file instead of stderr")))
        .arg(global(choice("log-format", "text|json", &["text", "json"], "Format of log lines [default: text]")))
        .arg(global(flag("debug", None, "Also log debug messages")))
        .arg(global(flag("systemd-cgroup", None, "Manage cgroups through systemd (needs a running systemd)")));
    if except != Some("rootless") {
        cmd = cmd.arg(global(choice(
            "rootless",
            "true|false|auto",
            &["true", "false", "auto"],
            "Rootless mode: auto (the default) when not root on the host",
        )));
    }
    cmd.arg(global(flag("version", Some('v'), "Print the version and exit")))
        .arg(global(Arg::new("help").short('h').long("help").help("Print help").action(ArgAction::Help)))
}

/// One verb with its options and arguments, then the global options.
pub fn verb(name: &str) -> Option<Command> {
    let &(name, about) = VERBS.iter().find(|(n, _)| *n == name)?;
    let cmd = settings(Command::new(name).about(about));
    let cmd = match name {
        "create" => create_opts(cmd).arg(id()),
        "run" => create_opts(cmd)
            .arg(flag("detach", Some('d'), "Return once the container has started"))
            .arg(flag("keep", None, "Keep the container after it exits (do not delete it)"))
            .arg(id()),
        "start" | "state" | "pause" | "resume" => cmd.arg(id()),
        "kill" => cmd.arg(flag("all", Some('a'), "Signal every process of the container")).arg(id()).arg(
            Arg::new("signal")
                .value_name("signal")
                .help("Signal name (KILL, SIGKILL) or number [default: TERM]")
                .value_parser(Text(None)),
        ),
        "delete" => {
            cmd.arg(flag("force", Some('f'), "Kill a running container, and succeed when it does not exist")).arg(id())
        }
        "list" => cmd.arg(format()).arg(flag("quiet", Some('q'), "Print only container ids")),
        "spec" => {
            let rootless =
                flag("rootless", None, "Write a config for a rootless container (user namespace, no cgroups)")
                    // Its own id: the global --rootless is looked up by "rootless".
                    .id("spec-rootless");
            let cmd = cmd.arg(path("bundle", Some('b'), "DIR", "Bundle directory [default: .]")).arg(rootless);
            return Some(globals(cmd, Some("rootless")));
        }
        "features" => cmd,
        "update" => update_opts(cmd).arg(id()),
        "events" => cmd
            .arg(text("interval", None, "DURATION", "Time between stats lines (5s, 500ms, 1m30s) [default: 5s]"))
            .arg(flag("stats", None, "Print the stats once and exit"))
            .arg(id()),
        "ps" => cmd.arg(format()).arg(id_then("ps-args", "The container's id, then arguments for ps [default: -ef]")),
        "exec" => {
            exec_opts(cmd).arg(id_then("command", "The container's id, then the command to run, if not from --process"))
        }
        _ => return None,
    };
    Some(globals(cmd, None))
}

fn create_opts(cmd: Command) -> Command {
    cmd.arg(path("bundle", Some('b'), "DIR", "Bundle directory (holds config.json) [default: .]"))
        .arg(path("pid-file", None, "FILE", "Write the init process's pid to this file"))
        .arg(path(
            "console-socket",
            None,
            "SOCKET",
            "Unix socket that receives the pty master when process.terminal is true",
        ))
        .arg(flag("no-pivot", None, "Use chroot instead of pivot_root (for ramfs roots)"))
        .arg(flag("no-new-keyring", None, "Do not create a new session keyring"))
        .arg(number("preserve-fds", "Pass this many fds beyond stdio (3..3+N) into the container"))
        .arg(path("pidfd-socket", None, "SOCKET", "Unix socket that receives a pidfd of the container's init"))
}

fn update_opts(cmd: Command) -> Command {
    cmd.arg(text("resources", Some('r'), "FILE", "A JSON file with the linux.resources to change, or - for stdin"))
        .arg(text("memory", None, "BYTES", "Memory limit in bytes (64m, 1g, ... accepted; -1 for none)"))
        .arg(text("memory-reservation", None, "BYTES", "Memory reservation (soft limit)"))
        .arg(text("memory-swap", None, "BYTES", "Memory plus swap limit; -1 for unlimited swap"))
        // runc still accepts these; current kernels have no such limits.
        .arg(
            text("kernel-memory", None, "BYTES", "Kernel memory limit (refused: current kernels have none)").hide(true),
        )
        .arg(text("kernel-memory-tcp", None, "BYTES", "Kernel TCP buffer limit (cgroup v1 only)").hide(true))
        .arg(text("cpu-share", None, "SHARES", "CPU shares (relative weight)").alias("cpu-shares"))
        .arg(text("cpu-quota", None, "US", "CFS quota in microseconds per period; -1 for none"))
        .arg(text("cpu-period", None, "US", "CFS period in microseconds"))
        .arg(text("cpu-burst", None, "US", "CFS burst in microseconds"))
        .arg(text("cpu-rt-period", None, "US", "Realtime period in microseconds (cgroup v1 only)"))
        .arg(text("cpu-rt-runtime", None, "US", "Realtime runtime in microseconds per period (cgroup v1 only)"))
        .arg(text("cpu-idle", None, "0|1", "1: SCHED_IDLE for the cgroup, 0: the default"))
        .arg(text("cpuset-cpus", None, "LIST", "CPUs to run on (0-3, 0,1)"))
        .arg(text("cpuset-mems", None, "LIST", "Memory nodes to use"))
        .arg(text("pids-limit", None, "N", "Maximum number of pids; 0 or -1 for none"))
        .arg(text("blkio-weight", None, "N", "Block IO weight, 10 to 1000"))
        .arg(text("l3-cache-schema", None, "SCHEMA", "Intel RDT L3 cache schema (not supported)"))
        .arg(text("mem-bw-schema", None, "SCHEMA", "Intel RDT memory bandwidth schema (not supported)"))
}

fn exec_opts(cmd: Command) -> Command {
    cmd.arg(path("process", Some('p'), "FILE", "A JSON file holding the whole OCI process to run"))
        .arg(flag("tty", Some('t'), "Allocate a pseudo-terminal"))
        .arg(path("cwd", None, "DIR", "Working directory inside the container"))
        .arg(text("env", Some('e'), "NAME=VALUE", "Set an environment variable; may repeat").action(ArgAction::Append))
        .arg(text("user", Some('u'), "UID[:GID]", "User to run as"))
        .arg(text("additional-gids", Some('g'), "GID", "Additional group id; may repeat").action(ArgAction::Append))
        .arg(
            text("cap", Some('c'), "CAP", "Add a capability (CAP_NET_ADMIN or NET_ADMIN); may repeat")
                .action(ArgAction::Append),
        )
        .arg(flag("no-new-privs", None, "Set no_new_privs for the process"))
        .arg(text("apparmor", None, "PROFILE", "AppArmor profile for the process"))
        .arg(text("process-label", None, "LABEL", "SELinux label for the process"))
        .arg(flag("detach", Some('d'), "Return once the process has started"))
        .arg(path("pid-file", None, "FILE", "Write the process's pid to this file"))
        .arg(path("console-socket", None, "SOCKET", "Unix socket that receives the pty master when a terminal is used"))
        .arg(path("pidfd-socket", None, "SOCKET", "Unix socket that receives a pidfd of the new process"))
        .arg(number("preserve-fds", "Pass this many fds beyond stdio (3..3+N) into the process"))
        .arg(flag("ignore-paused", None, "Allow exec into a paused container (the process starts frozen)"))
        .arg(
            text("cgroup", None, "[CONTROLLERS:]PATH", "Run in a sub-cgroup of the container; may repeat")
                .action(ArgAction::Append),
        )
}

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
