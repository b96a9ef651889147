//! `--help` and `help [VERB]`, written from the same clap `Command`s the
//! parser reads, in the layout berth's help had before clap. clap's own
//! renderer (its `help` and `usage` features) stays out of the binary:
//! with clap's other default features it added 58 KB, for text printed
//! only on request.

use clap::{Arg, Command};
use std::fmt::Write as _;

/// The whole program's help, from the program with every verb.
pub fn program(top: &Command) -> String {
    let mut out = format!("{}\n\nUsage: berth [OPTIONS] <COMMAND>\n\nCommands:\n", about(top));
    for v in top.get_subcommands() {
        let _ = writeln!(out, "  {:<10}{}", v.get_name(), about(v));
    }
    out += "\n";
    options(&mut out, top, super::define::GLOBAL);
    out
}

/// One verb's help: its usage, its options, then the global ones.
pub fn verb(v: &Command) -> String {
    let mut out = format!("{}\n\nUsage: {}\n\nOptions:\n", about(v), synopsis(v));
    options(&mut out, v, "");
    out += "\n";
    options(&mut out, v, super::define::GLOBAL);
    out
}

/// `berth kill [OPTIONS] <id> [signal]`
pub fn synopsis(v: &Command) -> String {
    let mut out = format!("berth {} [OPTIONS]", v.get_name());
    for p in v.get_positionals() {
        let _ = write!(out, " {}", positional(p));
    }
    out
}

fn about(cmd: &Command) -> String {
    cmd.get_about().map(ToString::to_string).unwrap_or_default()
}

/// `<id>`, `[signal]`, `<id> [command]...`: as clap's usage line spells them.
fn positional(p: &Arg) -> String {
    let names: Vec<&str> = match p.get_value_names() {
        Some(names) => names.iter().map(|n| n.as_str()).collect(),
        None => vec![p.get_id().as_str()],
    };
    let (min, max) = p.get_num_args().map(|r| (r.min_values(), r.max_values())).unwrap_or((1, 1));
    let mut out: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| if p.is_required_set() && i < min.max(1) { format!("<{n}>") } else { format!("[{n}]") })
        .collect();
    if max > names.len() {
        if let Some(last) = out.last_mut() {
            last.push_str("...");
        }
    }
    out.join(" ")
}

/// The options under `heading` ("" for the verb's own), one a line, their
/// help aligned; hidden ones left out.
fn options(out: &mut String, cmd: &Command, heading: &str) {
    if !heading.is_empty() {
        let _ = writeln!(out, "{heading}:");
    }
    let shown: Vec<(String, String)> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set() && a.get_help_heading().unwrap_or("") == heading)
        .map(|a| {
            let short = a.get_short().map(|c| format!("-{c}, ")).unwrap_or_else(|| "    ".into());
            let long = a.get_long().unwrap_or_default();
            let name = match a.get_value_names().and_then(|v| v.first()) {
                Some(v) if a.get_action().takes_values() => format!("{short}--{long} <{v}>"),
                _ => format!("{short}--{long}"),
            };
            (name, a.get_help().map(ToString::to_string).unwrap_or_default())
        })
        .collect();
    let width = shown.iter().map(|(n, _)| n.len()).max().unwrap_or(0) + 2;
    for (name, help) in shown {
        let _ = writeln!(out, "  {name:<width$}{help}");
    }
}
