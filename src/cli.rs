//! Command-line surface. Engines parse and produce these flags exactly as they
//! do for runc, so names, short forms and defaults follow runc.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "berth", disable_version_flag = true, about = "A daemonless OCI container runtime")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalOpts {
    /// Directory holding container state.
    #[arg(long, global = true, default_value = "/run/berth")]
    pub root: PathBuf,
    /// Append log lines to this file instead of stderr.
    #[arg(long, global = true)]
    pub log: Option<PathBuf>,
    /// Format of log lines.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Also log debug messages.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Manage cgroups through systemd (needs a running systemd).
    #[arg(long, global = true)]
    pub systemd_cgroup: bool,
    /// Rootless mode: true, false or auto (accepted for compatibility).
    #[arg(long, value_parser = ["true", "false", "auto"])]
    pub rootless: Option<String>,
    /// Print the version and exit.
    #[arg(short = 'v', long)]
    pub version: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
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

#[derive(Args, Debug)]
pub struct IdArg {
    pub id: String,
}

#[derive(Args, Debug, Clone)]
pub struct CreateArgs {
    /// Bundle directory (holds config.json).
    #[arg(short = 'b', long, default_value = ".")]
    pub bundle: PathBuf,
    /// Write the init process's pid to this file.
    #[arg(long)]
    pub pid_file: Option<PathBuf>,
    /// Unix socket that receives the pty master when process.terminal is true.
    #[arg(long)]
    pub console_socket: Option<PathBuf>,
    /// Use chroot instead of pivot_root (for ramfs roots).
    #[arg(long)]
    pub no_pivot: bool,
    /// Do not create a new session keyring.
    #[arg(long)]
    pub no_new_keyring: bool,
    /// Pass this many fds beyond stdio (3..3+N) into the container.
    #[arg(long, default_value_t = 0)]
    pub preserve_fds: u32,
    /// Unix socket that receives a pidfd of the container's init.
    #[arg(long)]
    pub pidfd_socket: Option<PathBuf>,
    pub id: String,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub create: CreateArgs,
    /// Return once the container has started.
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Keep the container after it exits (do not delete it).
    #[arg(long)]
    pub keep: bool,
}

#[derive(Args, Debug)]
pub struct KillArgs {
    /// Signal every process of the container.
    #[arg(short = 'a', long)]
    pub all: bool,
    pub id: String,
    /// Signal name (KILL, SIGKILL) or number; SIGTERM when absent.
    pub signal: Option<String>,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Kill a running container, and succeed when it does not exist.
    #[arg(short = 'f', long)]
    pub force: bool,
    pub id: String,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[arg(short = 'f', long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Print only container ids.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct SpecArgs {
    #[arg(short = 'b', long, default_value = ".")]
    pub bundle: PathBuf,
    /// Write a config for a rootless container (user namespace, no cgroups).
    #[arg(long)]
    pub rootless: bool,
}

/// runc's `update` flags. Values are taken as text and parsed by the command,
/// so a bad one is a one-line error naming its flag.
#[derive(Args, Debug, Default)]
pub struct UpdateArgs {
    /// A JSON file with the linux.resources to change, or - for stdin.
    #[arg(short = 'r', long)]
    pub resources: Option<String>,
    /// Memory limit in bytes (64m, 1g, ... accepted; -1 for none).
    #[arg(long, allow_hyphen_values = true)]
    pub memory: Option<String>,
    /// Memory reservation (soft limit).
    #[arg(long, allow_hyphen_values = true)]
    pub memory_reservation: Option<String>,
    /// Memory plus swap limit; -1 for unlimited swap.
    #[arg(long, allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// Kernel memory limit (refused: current kernels have none).
    #[arg(long, allow_hyphen_values = true, hide = true)]
    pub kernel_memory: Option<String>,
    /// Kernel TCP buffer limit (cgroup v1 only).
    #[arg(long, allow_hyphen_values = true, hide = true)]
    pub kernel_memory_tcp: Option<String>,
    /// CPU shares (relative weight).
    #[arg(long = "cpu-share", visible_alias = "cpu-shares")]
    pub cpu_share: Option<String>,
    /// CFS quota in microseconds per period; -1 for none.
    #[arg(long, allow_hyphen_values = true)]
    pub cpu_quota: Option<String>,
    /// CFS period in microseconds.
    #[arg(long)]
    pub cpu_period: Option<String>,
    /// CFS burst in microseconds.
    #[arg(long)]
    pub cpu_burst: Option<String>,
    /// Realtime period in microseconds (cgroup v1 only).
    #[arg(long)]
    pub cpu_rt_period: Option<String>,
    /// Realtime runtime in microseconds per period (cgroup v1 only).
    #[arg(long, allow_hyphen_values = true)]
    pub cpu_rt_runtime: Option<String>,
    /// 1: SCHED_IDLE for the cgroup, 0: the default.
    #[arg(long)]
    pub cpu_idle: Option<String>,
    /// CPUs to run on (0-3, 0,1).
    #[arg(long)]
    pub cpuset_cpus: Option<String>,
    /// Memory nodes to use.
    #[arg(long)]
    pub cpuset_mems: Option<String>,
    /// Maximum number of pids; 0 or -1 for none.
    #[arg(long, allow_hyphen_values = true)]
    pub pids_limit: Option<String>,
    /// Block IO weight, 10 to 1000.
    #[arg(long)]
    pub blkio_weight: Option<String>,
    /// Intel RDT L3 cache schema (not supported).
    #[arg(long)]
    pub l3_cache_schema: Option<String>,
    /// Intel RDT memory bandwidth schema (not supported).
    #[arg(long)]
    pub mem_bw_schema: Option<String>,
    pub id: String,
}

#[derive(Args, Debug)]
pub struct EventsArgs {
    /// Time between stats lines (Go durations: 5s, 500ms, 1m30s).
    #[arg(long, default_value = "5s")]
    pub interval: String,
    /// Print the stats once and exit.
    #[arg(long)]
    pub stats: bool,
    pub id: String,
}

#[derive(Args, Debug)]
pub struct PsArgs {
    #[arg(short = 'f', long, value_enum, default_value_t = PsFormat::Table)]
    pub format: PsFormat,
    pub id: String,
    /// Arguments for the host's ps (default -ef).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub ps_args: Vec<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PsFormat {
    Table,
    Json,
}

/// runc's `exec` flags. Without --process, the container's own process from
/// config.json is the base and the flags change it.
#[derive(Args, Debug, Default)]
pub struct ExecArgs {
    /// A JSON file holding the whole OCI process to run.
    #[arg(short = 'p', long)]
    pub process: Option<PathBuf>,
    /// Allocate a pseudo-terminal.
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Working directory inside the container.
    #[arg(long)]
    pub cwd: Option<PathBuf>,
    /// Set an environment variable (NAME=value); may repeat.
    #[arg(short = 'e', long = "env")]
    pub env: Vec<String>,
    /// uid[:gid] to run as.
    #[arg(short = 'u', long)]
    pub user: Option<String>,
    /// Additional group ids; may repeat.
    #[arg(short = 'g', long = "additional-gids")]
    pub additional_gids: Vec<String>,
    /// Add a capability (CAP_NET_ADMIN or NET_ADMIN); may repeat.
    #[arg(short = 'c', long = "cap")]
    pub caps: Vec<String>,
    /// Set no_new_privs for the process.
    #[arg(long)]
    pub no_new_privs: bool,
    /// AppArmor profile for the process.
    #[arg(long)]
    pub apparmor: Option<String>,
    /// SELinux label for the process.
    #[arg(long)]
    pub process_label: Option<String>,
    /// Return once the process has started.
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Write the process's pid to this file.
    #[arg(long)]
    pub pid_file: Option<PathBuf>,
    /// Unix socket that receives the pty master when a terminal is used.
    #[arg(long)]
    pub console_socket: Option<PathBuf>,
    /// Unix socket that receives a pidfd of the new process.
    #[arg(long)]
    pub pidfd_socket: Option<PathBuf>,
    /// Pass this many fds beyond stdio (3..3+N) into the process.
    #[arg(long, default_value_t = 0)]
    pub preserve_fds: u32,
    /// Allow exec into a paused container (the process starts frozen).
    #[arg(long)]
    pub ignore_paused: bool,
    /// Run in a sub-cgroup of the container: PATH, or CONTROLLERS:PATH for v1.
    #[arg(long)]
    pub cgroup: Vec<String>,
    pub id: String,
    /// The command and its arguments (ignored with --process).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}
