//! The command-line grammar runc's users expect, driven by option tables:
//! `--name value`, `--name=value`, `-x value`, `-xvalue`, clustered short
//! flags (`-dt`), global options before or after the verb, `--` to end
//! options. For a verb with trailing arguments (`exec ID CMD...`), every
//! argument after its fixed ones is taken as is, as runc does.
//!
//! A hand-written parser instead of clap: clap's parse alone cost about
//! 350 KiB of peak RSS, 150 KB of binary and 0.25 ms at every invocation.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// One option: long name, short letter, value name (None for a flag), help.
#[derive(Debug)]
pub struct Opt {
    pub long: &'static str,
    pub short: Option<char>,
    pub value: Option<&'static str>,
    pub help: &'static str,
    /// Accepted, but not shown in help (runc's deprecated flags).
    pub hidden: bool,
    /// Another long name for the same option.
    pub alias: Option<&'static str>,
}

pub const fn flag(long: &'static str, short: Option<char>, help: &'static str) -> Opt {
    Opt { long, short, value: None, help, hidden: false, alias: None }
}

pub const fn value(long: &'static str, short: Option<char>, name: &'static str, help: &'static str) -> Opt {
    Opt { long, short, value: Some(name), help, hidden: false, alias: None }
}

/// A verb: its options, fixed positionals, and trailing arguments if any.
#[derive(Debug)]
pub struct Verb {
    pub name: &'static str,
    pub about: &'static str,
    pub opts: &'static [Opt],
    /// Required first, then optional ones named in `[brackets]`.
    pub positionals: &'static [&'static str],
    pub trailing: Option<&'static str>,
}

impl Verb {
    fn required(&self) -> usize {
        self.positionals.iter().filter(|p| !p.starts_with('[')).count()
    }
}

/// A command line that cannot be run; one line, exit status 2.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn usage(msg: String) -> UsageError {
    UsageError(crate::error::one_line(&msg))
}

/// What a command line said, before it is turned into typed arguments.
/// Arguments are bytes, as the kernel passes them; a value berth needs as
/// text is checked to be UTF-8 where it is taken, and named when it is not.
#[derive(Debug, Default)]
pub struct Matches {
    pub verb: Option<&'static Verb>,
    /// The global options given, and the verb's own.
    pub global: Given,
    pub local: Given,
    pub positionals: Vec<OsString>,
    pub trailing: Vec<OsString>,
    pub help: bool,
}

impl Matches {
    /// The i-th positional (0-based), if given, as text.
    pub fn positional(&self, i: usize) -> Result<Option<String>, UsageError> {
        let name = self.verb.and_then(|v| v.positionals.get(i)).copied().unwrap_or("argument");
        self.positionals.get(i).map(|a| text(a, || name.trim_matches(['[', ']']).to_string())).transpose()
    }

    pub fn id(&self) -> Result<String, UsageError> {
        Ok(self.positional(0)?.unwrap_or_default())
    }

    /// The trailing arguments as text (`ps`'s).
    pub fn trailing_text(&self) -> Result<Vec<String>, UsageError> {
        self.trailing.iter().map(|a| text(a, || "argument".to_string())).collect()
    }
}

/// `arg` as UTF-8, or an error naming `what` and the bytes, escaped.
fn text(arg: &OsStr, what: impl Fn() -> String) -> Result<String, UsageError> {
    arg.to_str().map(String::from).ok_or_else(|| usage(format!("{} {arg:?}: not UTF-8", what())))
}

/// Options given, in order, by long name (None for a flag).
#[derive(Debug, Default)]
pub struct Given(Vec<(&'static str, Option<OsString>)>);

impl Given {
    pub fn flag(&self, long: &str) -> bool {
        self.0.iter().any(|(l, _)| *l == long)
    }

    fn raw(&self, long: &str) -> Option<&OsString> {
        self.0.iter().rev().find(|(l, _)| *l == long).and_then(|(_, v)| v.as_ref())
    }

    /// The last value given for `long` (later ones win, as in runc), as text.
    pub fn value(&self, long: &str) -> Result<Option<String>, UsageError> {
        self.raw(long).map(|v| text(v, || format!("value for --{long}"))).transpose()
    }

    /// The last value given for `long` as a path: any bytes.
    pub fn path(&self, long: &str) -> Option<PathBuf> {
        self.raw(long).map(PathBuf::from)
    }

    pub fn values(&self, long: &str) -> Result<Vec<String>, UsageError> {
        self.0
            .iter()
            .filter(|(l, _)| *l == long)
            .filter_map(|(_, v)| v.as_ref())
            .map(|v| text(v, || format!("value for --{long}")))
            .collect()
    }

    /// A value from a closed set, or `default`.
    pub fn choice(
        &self,
        long: &str,
        choices: &[&'static str],
        default: &'static str,
    ) -> Result<&'static str, UsageError> {
        match self.value(long)? {
            None => Ok(default),
            Some(v) => choices
                .iter()
                .find(|c| **c == v)
                .copied()
                .ok_or_else(|| usage(format!("invalid value {v:?} for --{long}: one of {}", choices.join(", ")))),
        }
    }

    pub fn number(&self, long: &str) -> Result<u32, UsageError> {
        match self.value(long)? {
            None => Ok(0),
            Some(v) => v.parse().map_err(|_| usage(format!("invalid value {v:?} for --{long}: a number"))),
        }
    }

    fn push(&mut self, long: &'static str, v: Option<OsString>) {
        self.0.push((long, v));
    }
}

/// Splits `args` (without the program name) by the global options and the
/// verbs' tables.
pub fn lex(args: &[OsString], globals: &'static [Opt], verbs: &'static [Verb]) -> Result<Matches, UsageError> {
    let mut m = Matches::default();
    let mut it = args.iter();
    let mut literal = false;
    while let Some(arg) = it.next() {
        let bytes = arg.as_bytes();
        if literal {
            take_positional(&mut m, arg);
            continue;
        }
        if bytes == b"--" {
            literal = true;
        } else if let Some(long) = bytes.strip_prefix(b"--") {
            let (name, inline) = match long.iter().position(|b| *b == b'=') {
                Some(i) => (&long[..i], Some(OsString::from_vec(long[i + 1..].to_vec()))),
                None => (long, None),
            };
            let name = std::str::from_utf8(name).map_err(|_| usage(format!("unknown option {arg:?}")))?;
            if name == "help" {
                m.help = true;
                continue;
            }
            let (opt, global) = find(&m, globals, |o| o.long == name || o.alias == Some(name))
                .ok_or_else(|| usage(format!("unknown option --{name}{}", for_verb(&m))))?;
            let v = match (opt.value, inline) {
                (None, Some(_)) => return Err(usage(format!("--{} takes no value", opt.long))),
                (None, None) => None,
                (Some(_), Some(v)) => Some(v),
                (Some(_), None) => Some(next_value(&mut it, opt)?),
            };
            given(&mut m, global).push(opt.long, v);
        } else if bytes.len() > 1 && bytes[0] == b'-' {
            short_cluster(&mut m, globals, &bytes[1..], &mut it)?;
        } else if m.verb.is_none() {
            m.verb = Some(
                verbs
                    .iter()
                    .find(|v| v.name.as_bytes() == bytes)
                    .ok_or_else(|| usage(format!("unknown command {arg:?}")))?,
            );
        } else {
            take_positional(&mut m, arg);
            // runc takes everything after a verb's fixed arguments as they are.
            literal = m.verb.is_some_and(|v| v.trailing.is_some() && m.positionals.len() == v.positionals.len());
        }
    }
    if let Some(v) = m.verb.filter(|_| !m.help) {
        if m.positionals.len() < v.required() {
            return Err(usage(format!("{} needs <{}>", v.name, v.positionals[m.positionals.len()])));
        }
        if let Some(extra) = m.positionals.get(v.positionals.len()) {
            return Err(usage(format!("unexpected argument {extra:?} for {}", v.name)));
        }
    }
    Ok(m)
}

fn take_positional(m: &mut Matches, arg: &OsStr) {
    match m.verb {
        Some(v) if m.positionals.len() >= v.positionals.len() && v.trailing.is_some() => m.trailing.push(arg.into()),
        _ => m.positionals.push(arg.into()),
    }
}

/// `-dt`, `-b dir`, `-bdir`. Option letters are ASCII; the rest of the
/// cluster after a value option is its value, whatever its bytes.
fn short_cluster<'a>(
    m: &mut Matches,
    globals: &'static [Opt],
    cluster: &[u8],
    it: &mut impl Iterator<Item = &'a OsString>,
) -> Result<(), UsageError> {
    for (i, &b) in cluster.iter().enumerate() {
        let c = b as char;
        if !b.is_ascii() {
            return Err(usage(format!("unknown option {:?}{}", OsStr::from_bytes(&cluster[i..]), for_verb(m))));
        }
        if c == 'h' {
            m.help = true;
            continue;
        }
        let (opt, global) = find(m, globals, |o| o.short == Some(c))
            .ok_or_else(|| usage(format!("unknown option -{c}{}", for_verb(m))))?;
        if opt.value.is_none() {
            given(m, global).push(opt.long, None);
            continue;
        }
        let rest = &cluster[i + 1..];
        let v = if rest.is_empty() { next_value(it, opt)? } else { OsString::from_vec(rest.to_vec()) };
        given(m, global).push(opt.long, Some(v));
        return Ok(());
    }
    Ok(())
}

/// The verb's own options win over the global ones (`spec --rootless`).
/// Returns the option and whether it is a global one.
fn find(m: &Matches, globals: &'static [Opt], pred: impl Fn(&Opt) -> bool) -> Option<(&'static Opt, bool)> {
    let own = m.verb.and_then(|v| v.opts.iter().find(|o| pred(o))).map(|o| (o, false));
    own.or_else(|| globals.iter().find(|o| pred(o)).map(|o| (o, true)))
}

fn given(m: &mut Matches, global: bool) -> &mut Given {
    if global {
        &mut m.global
    } else {
        &mut m.local
    }
}

/// An option's value is the next argument, whatever it looks like (`--memory -1`).
fn next_value<'a>(it: &mut impl Iterator<Item = &'a OsString>, opt: &Opt) -> Result<OsString, UsageError> {
    it.next().cloned().ok_or_else(|| usage(format!("--{} needs a value <{}>", opt.long, opt.value.unwrap_or("value"))))
}

fn for_verb(m: &Matches) -> String {
    m.verb.map(|v| format!(" for {}", v.name)).unwrap_or_default()
}

/// The help text of the whole program, or of one verb.
pub fn help(program: &str, about: &str, globals: &[Opt], verbs: &[Verb], verb: Option<&Verb>) -> String {
    let mut out = String::new();
    match verb {
        None => {
            out += &format!("{about}\n\nUsage: {program} [OPTIONS] <COMMAND>\n\nCommands:\n");
            for v in verbs {
                out += &format!("  {:<10}{}\n", v.name, v.about);
            }
        }
        Some(v) => {
            let mut line = format!("{}\n\nUsage: {program} {} [OPTIONS]", v.about, v.name);
            for p in v.positionals {
                line += &format!(" {}", if p.starts_with('[') { p.to_string() } else { format!("<{p}>") });
            }
            if let Some(t) = v.trailing {
                line += &format!(" [{t}]...");
            }
            out += &line;
            out += "\n\nOptions:\n";
            options_help(&mut out, v.opts.iter());
        }
    }
    out += "\nGlobal options:\n";
    options_help(&mut out, globals.iter().chain([&HELP]));
    out
}

/// `-h`/`--help` is read before the tables are looked at; it is listed here.
static HELP: Opt = flag("help", Some('h'), "Print help");

fn options_help<'a>(out: &mut String, opts: impl Iterator<Item = &'a Opt>) {
    let shown: Vec<(String, &str)> = opts
        .filter(|o| !o.hidden)
        .map(|o| {
            let short = o.short.map(|c| format!("-{c}, ")).unwrap_or_else(|| "    ".into());
            let name = match o.value {
                Some(v) => format!("{short}--{} <{v}>", o.long),
                None => format!("{short}--{}", o.long),
            };
            (name, o.help)
        })
        .collect();
    let width = shown.iter().map(|(n, _)| n.len()).max().unwrap_or(0) + 2;
    for (name, help) in shown {
        out.push_str(&format!("  {name:<width$}{help}\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static GLOBALS: [Opt; 2] = [value("root", None, "DIR", "state"), flag("debug", None, "debug")];
    static VERBS: [Verb; 3] = [
        Verb {
            name: "run",
            about: "run",
            opts: &[
                value("bundle", Some('b'), "DIR", "bundle"),
                flag("detach", Some('d'), "detach"),
                flag("tty", Some('t'), "tty"),
                value("memory", None, "BYTES", "memory"),
            ],
            positionals: &["id"],
            trailing: None,
        },
        Verb {
            name: "exec",
            about: "exec",
            opts: &[flag("tty", Some('t'), "tty"), value("env", Some('e'), "VAR", "env")],
            positionals: &["id"],
            trailing: Some("command"),
        },
        Verb { name: "kill", about: "kill", opts: &[], positionals: &["id", "[signal]"], trailing: None },
    ];

    fn lex_str(s: &str) -> Result<Matches, UsageError> {
        let args: Vec<OsString> = s.split_whitespace().map(OsString::from).collect();
        lex(&args, &GLOBALS, &VERBS)
    }

    #[test]
    fn long_short_and_clustered_forms() {
        let m = lex_str("--root=/r run -dt -b/b --memory -1 c1 --debug").unwrap();
        assert_eq!(m.verb.unwrap().name, "run");
        assert_eq!(m.global.value("root").unwrap().as_deref(), Some("/r"));
        assert_eq!(m.local.value("bundle").unwrap().as_deref(), Some("/b"));
        assert_eq!(m.local.value("memory").unwrap().as_deref(), Some("-1"));
        assert!(m.local.flag("detach") && m.local.flag("tty") && m.global.flag("debug"));
        assert_eq!(m.positionals, ["c1"]);
        let m = lex_str("run --bundle /x -b /y c").unwrap();
        assert_eq!(m.local.value("bundle").unwrap().as_deref(), Some("/y"), "the last one wins");
    }

    #[test]
    fn everything_after_the_fixed_arguments_is_the_command() {
        let m = lex_str("exec -t -e A=1 c1 sh -c --debug -t").unwrap();
        assert!(m.local.flag("tty"));
        assert_eq!(m.local.values("env").unwrap(), ["A=1"]);
        assert_eq!(m.trailing, ["sh", "-c", "--debug", "-t"]);
        assert!(!m.global.flag("debug"));
        let m = lex_str("exec c1 -- --weird").unwrap();
        assert_eq!(m.trailing, ["--", "--weird"], "after the id, even -- belongs to the command");
        let m = lex_str("exec -- c1 -x").unwrap();
        assert_eq!(
            (m.positionals.as_slice(), m.trailing.as_slice()),
            (&[OsString::from("c1")][..], &[OsString::from("-x")][..])
        );
    }

    #[test]
    fn bytes_pass_through_where_a_path_or_command_may_hold_them() {
        let raw = |b: &[u8]| OsString::from_vec(b.to_vec());
        let args = [raw(b"--root"), raw(b"/r\xff"), raw(b"exec"), raw(b"c1"), raw(b"ls"), raw(b"\xfe")];
        let m = lex(&args, &GLOBALS, &VERBS).unwrap();
        assert_eq!(m.global.path("root"), Some(PathBuf::from(raw(b"/r\xff"))));
        assert_eq!(m.trailing, [raw(b"ls"), raw(b"\xfe")]);
        let e = m.global.value("root").unwrap_err().0;
        assert_eq!(e, "value for --root \"/r\\xFF\": not UTF-8");
        let m = lex(&[raw(b"run"), raw(b"x\xff")], &GLOBALS, &VERBS).unwrap();
        assert_eq!(m.id().unwrap_err().0, "id \"x\\xFF\": not UTF-8");
        for bad in [raw(b"\xff"), raw(b"--\xff"), raw(b"-\xff")] {
            let e = lex(std::slice::from_ref(&bad), &GLOBALS, &VERBS).unwrap_err().0;
            assert!(e.contains("\\xFF"), "{bad:?}: {e}");
        }
        let m = lex(&[raw(b"run"), raw(b"-b\xff"), raw(b"c")], &GLOBALS, &VERBS).unwrap();
        assert_eq!(m.local.path("bundle"), Some(PathBuf::from(raw(b"\xff"))));
    }

    #[test]
    fn optional_positionals() {
        assert_eq!(lex_str("kill c1").unwrap().positional(1).unwrap(), None);
        assert_eq!(lex_str("kill c1 KILL").unwrap().positional(1).unwrap().as_deref(), Some("KILL"));
    }

    #[test]
    fn usage_errors_are_one_line_and_name_the_argument() {
        for (line, want) in [
            ("frob", "unknown command \"frob\""),
            ("run --nope c", "unknown option --nope for run"),
            ("run -x c", "unknown option -x for run"),
            ("run", "run needs <id>"),
            ("run --detach=yes c", "--detach takes no value"),
            ("run c --bundle", "--bundle needs a value <DIR>"),
            ("kill c KILL more", "unexpected argument \"more\" for kill"),
        ] {
            let e = lex_str(line).unwrap_err().0;
            assert_eq!(e, want, "{line}");
        }
    }

    #[test]
    fn help_anywhere() {
        assert!(lex_str("--help").unwrap().help);
        let m = lex_str("run -h").unwrap();
        assert!(m.help && m.verb.is_some());
        let text = help("berth", "about", &GLOBALS, &VERBS, m.verb);
        assert!(text.contains("Usage: berth run [OPTIONS] <id>") && text.contains("-b, --bundle <DIR>"), "{text}");
    }
}
