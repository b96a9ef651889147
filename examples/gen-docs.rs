//! Writes berth's man pages (berth(8) and berth-VERB(8)) and its bash, zsh
//! and fish completions, with clap_mangen and clap_complete, from the clap
//! `Command` the parser itself reads, so they cannot drift from the code:
//! `cargo run --example gen-docs -- DIR` (`make install` and `make deb` run
//! it). Both crates are dev-dependencies: the berth binary does not link them.
use clap_complete::Shell;
use clap_mangen::Man;
use std::path::Path;

const DESCRIPTION: &str = "berth reads an OCI bundle's config.json and runs its container, as runc does; \
engines call it with runc's command line.";

/// A man page in section 8, as runc's: titled in capitals, from berth VERSION.
fn page(cmd: clap::Command) -> Vec<u8> {
    let name = cmd.get_display_name().unwrap_or_else(|| cmd.get_name()).to_uppercase();
    let mut out = Vec::new();
    Man::new(cmd)
        .title(name)
        .section("8")
        .source(format!("berth {}", env!("CARGO_PKG_VERSION")))
        .manual("System Administration")
        .render(&mut out)
        .expect("render into memory");
    out
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "target/docs".into());
    let dir = Path::new(&dir);
    let write = |rel: &str, text: Vec<u8>| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("make the directory");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    };
    // The synopses as the help's usage lines: clap_mangen's own would list
    // every option, and run exec's `<id> [command]...` together.
    let mut cmd = berth::cli::command()
        .long_about(DESCRIPTION)
        .override_usage("berth [OPTIONS] COMMAND [ARGS]...")
        .subcommand_help_heading("COMMANDS");
    for (name, usage) in
        cmd.get_subcommands().map(|v| (v.get_name().to_string(), berth::cli::synopsis(v))).collect::<Vec<_>>()
    {
        cmd = cmd.mut_subcommand(name, |v| v.override_usage(usage));
    }
    // Names each verb berth-VERB for its page, and `berth VERB` for its synopsis.
    cmd.build();
    write("man8/berth.8", page(cmd.clone()));
    for verb in cmd.get_subcommands() {
        write(&format!("man8/berth-{}.8", verb.get_name()), page(verb.clone()));
    }
    for (shell, file) in [(Shell::Bash, "berth.bash"), (Shell::Zsh, "_berth"), (Shell::Fish, "berth.fish")] {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut cmd, "berth", &mut out);
        write(&format!("completions/{file}"), out);
    }
}
