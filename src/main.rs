//! The berth binary: parse the command line, dispatch, report an error once.

use berth::cli::{self, Command, Parsed};
use berth::{commands, logging};

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let cli = match cli::parse(&args) {
        Ok(Parsed::Run(cli)) => cli,
        Ok(Parsed::Help(text)) => {
            out(&text);
            return;
        }
        Err(e) => usage_error(&args, &e),
    };
    if cli.global.version {
        print_version();
        return;
    }
    let Some(command) = cli.command else {
        // Bare `berth`, as bare runc: the usage.
        out(&cli::usage());
        return;
    };
    // Before anything opens an fd of ours that could sit at 3..3+N.
    let preserved = check_preserved_fds(&command);
    die_of_sigpipe_when_only_printing(&command);
    if let Err(e) = logging::init(cli.global.log.as_deref(), cli.global.log_format, cli.global.debug) {
        err(&format!("berth: error: {e:#}\n"));
        std::process::exit(1);
    }
    let mut global = cli.global;
    let result = preserved
        .and_then(|()| {
            // spec and features keep no state.
            if !global.root_given && !matches!(command, Command::Spec(_) | Command::Features) {
                global.root = berth::rootless::default_root(global.is_rootless())?;
            }
            Ok(())
        })
        .and_then(|()| dispatch(&global, &command));
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            let msg = berth::error::one_line(&e.to_string());
            logging::log(logging::Level::Error, &msg);
            // "error" on the line, as runc's level=error: scripts look for it.
            err(&format!("berth: error: {msg}\n"));
            let otherwise = if matches!(command, Command::Exec(_)) { 255 } else { 1 };
            std::process::exit(e.exit_code().unwrap_or(otherwise));
        }
    }
}

/// The verbs that only print end quietly when their reader goes away, as
/// `cat` does (`berth state c | head -1`): Rust ignores SIGPIPE, and a write
/// to a closed pipe would otherwise panic. Verbs that make or change a
/// container keep ignoring it: dying half-way would leave things behind.
fn die_of_sigpipe_when_only_printing(command: &Command) {
    if matches!(command, Command::State(_) | Command::List(_) | Command::Ps(_) | Command::Features | Command::Events(_))
    {
        // SAFETY: resets one signal's disposition; no handler is involved.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
}

fn dispatch(g: &berth::cli::GlobalOpts, command: &Command) -> berth::Result<i32> {
    match command {
        Command::Create(a) => commands::create::run(g, a),
        Command::Start(a) => commands::start::run(g, a),
        Command::Run(a) => commands::run::run(g, a),
        Command::State(a) => commands::state::run(g, a),
        Command::Kill(a) => commands::kill::run(g, a),
        Command::Delete(a) => commands::delete::run(g, a),
        Command::List(a) => commands::list::run(g, a),
        Command::Spec(a) => commands::spec::run(g, a),
        Command::Features => commands::features::run(),
        Command::Pause(a) => commands::pause::run(g, a),
        Command::Resume(a) => commands::resume::run(g, a),
        Command::Update(a) => commands::update::run(g, a),
        Command::Events(a) => commands::events::run(g, a),
        Command::Ps(a) => commands::ps::run(g, a),
        Command::Exec(a) => commands::exec::run(g, a),
        Command::Checkpoint(a) => commands::checkpoint::run(g, a),
        Command::Restore(a) => commands::restore::run(g, a),
    }
}

/// `--preserve-fds N` passes fds 3..3+N into the container: each must really
/// be open in our caller's hands, or we would hand over something of ours.
fn check_preserved_fds(command: &Command) -> berth::Result<()> {
    let (listen, preserve) = match command {
        Command::Create(a) => (commands::create::listen_fds(), a.preserve_fds),
        Command::Run(a) => (commands::create::listen_fds(), a.create.preserve_fds),
        Command::Exec(a) => (0, a.preserve_fds),
        _ => return Ok(()),
    };
    let n = listen + preserve;
    for fd in 3..3 + n as i32 {
        // SAFETY: F_GETFD only queries the fd table.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            return Err(commands::Error::FdNotOpen { preserve, listen, fd }.into());
        }
    }
    Ok(())
}

/// A command line we cannot run: engines read errors from `--log`, so the
/// usage error goes there too (found by a plain scan, as parsing failed).
fn usage_error(args: &[std::ffi::OsString], e: &cli::UsageError) -> ! {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let value = |name: &str| {
        let eq = format!("{name}=");
        args.iter().enumerate().find_map(|(i, a)| {
            if a == name {
                args.get(i + 1).cloned()
            } else {
                a.as_bytes().strip_prefix(eq.as_bytes()).map(|v| std::ffi::OsString::from_vec(v.to_vec()))
            }
        })
    };
    let format = match value("--log-format") {
        Some(f) if f == "json" => cli::LogFormat::Json,
        _ => cli::LogFormat::Text,
    };
    if let Some(path) = value("--log") {
        if logging::init(Some(std::path::Path::new(&path)), format, false).is_ok() {
            logging::log(logging::Level::Error, &e.0);
        }
    }
    err(&format!("berth: error: {}\n", berth::error::one_line(&e.0)));
    std::process::exit(2)
}

fn print_version() {
    out(&format!(
        "berth version {}\ncommit: {}\nspec: {}\n",
        env!("CARGO_PKG_VERSION"),
        option_env!("BERTH_COMMIT").unwrap_or("unknown"),
        berth::spec::OCI_VERSION_MAX
    ));
}

/// Writes to stdout; a reader that went away is not our error (and
/// `print!` would panic on it).
fn out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().write_all(text.as_bytes());
}

/// Writes to stderr, likewise.
fn err(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(text.as_bytes());
}
