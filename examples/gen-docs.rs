//! Writes berth's man pages (berth(8) and berth-VERB(8)) and its bash, zsh
//! and fish completions from the option tables the parser itself reads, so
//! they cannot drift from the code: `cargo run --example gen-docs -- DIR`
//! (`make install` and `make deb` run it).
use berth::cli::{tables, Opt, Verb};
use std::fmt::Write as _;
use std::path::Path;

fn roff(s: &str) -> String {
    s.replace('\\', "\\\\").replace('-', "\\-")
}

fn option_lines(out: &mut String, opts: &[Opt]) {
    for o in opts.iter().filter(|o| !o.hidden) {
        let short = o.short.map(|c| format!("\\fB\\-{c}\\fR, ")).unwrap_or_default();
        let value = o.value.map(|v| format!(" \\fI{v}\\fR")).unwrap_or_default();
        let _ = writeln!(out, ".TP\n{short}\\fB\\-\\-{}\\fR{value}\n{}", roff(o.long), roff(o.help));
    }
}

fn man_page(name: &str, about: &str, synopsis: &str, body: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        ".TH {} 8 \"\" \"berth {}\" \"System Administration\"",
        name.to_uppercase(),
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(out, ".SH NAME\n{} \\- {}", roff(name), roff(about));
    let _ = writeln!(out, ".SH SYNOPSIS\n{synopsis}");
    out + body
}

fn top_page(about: &str, globals: &[Opt], verbs: &[Verb]) -> String {
    let mut body = String::from(".SH DESCRIPTION\nberth reads an OCI bundle's config.json and runs its container, as runc does; engines call it with runc's command line.\n.SH COMMANDS\n");
    for v in verbs {
        let _ = writeln!(body, ".TP\n\\fB{}\\fR\n{} See \\fBberth\\-{}\\fR(8).", v.name, roff(v.about), v.name);
    }
    body += ".SH GLOBAL OPTIONS\n";
    option_lines(&mut body, globals);
    man_page("berth", about, "\\fBberth\\fR [\\fIOPTIONS\\fR] \\fICOMMAND\\fR ...", &body)
}

fn verb_page(v: &Verb, globals: &[Opt]) -> String {
    let mut synopsis = format!("\\fBberth {}\\fR [\\fIOPTIONS\\fR]", v.name);
    for p in v.positionals {
        let _ = write!(synopsis, " \\fI{}\\fR", roff(p));
    }
    if let Some(t) = v.trailing {
        let _ = write!(synopsis, " [\\fI{}\\fR...]", roff(t));
    }
    let mut body = String::from(".SH OPTIONS\n");
    option_lines(&mut body, v.opts);
    body += ".SH GLOBAL OPTIONS\nSee \\fBberth\\fR(8):";
    for o in globals.iter().filter(|o| !o.hidden) {
        let _ = write!(body, " \\fB\\-\\-{}\\fR", roff(o.long));
    }
    body += ".\n.SH SEE ALSO\n\\fBberth\\fR(8)\n";
    man_page(&format!("berth-{}", v.name), v.about, &synopsis, &body)
}

fn flags(opts: &[Opt]) -> Vec<String> {
    let mut out = Vec::new();
    for o in opts.iter().filter(|o| !o.hidden) {
        out.push(format!("--{}", o.long));
        if let Some(c) = o.short {
            out.push(format!("-{c}"));
        }
    }
    out
}

fn bash(globals: &[Opt], verbs: &[Verb]) -> String {
    let mut cases = String::new();
    for v in verbs {
        let _ = writeln!(cases, "        {}) opts=\"{}\" ;;", v.name, flags(v.opts).join(" "));
    }
    let names: Vec<&str> = verbs.iter().map(|v| v.name).collect();
    format!(
        "# bash completion for berth (generated from its option tables)\n_berth() {{\n    local cur=${{COMP_WORDS[COMP_CWORD]}} verb= i opts\n    for ((i = 1; i < COMP_CWORD; i++)); do\n        case \" {names} \" in *\" ${{COMP_WORDS[i]}} \"*) verb=${{COMP_WORDS[i]}}; break ;; esac\n    done\n    case $verb in\n{cases}        '') opts=\"{names} {globals}\" ;;\n    esac\n    COMPREPLY=($(compgen -W \"$opts {globals}\" -- \"$cur\"))\n}}\ncomplete -F _berth berth\n",
        names = names.join(" "),
        globals = flags(globals).join(" ")
    )
}

fn zsh(verbs: &[Verb]) -> String {
    let mut out = String::from("#compdef berth\n# zsh completion for berth (generated from its option tables)\n_berth() {\n  local -a verbs\n  verbs=(\n");
    for v in verbs {
        let _ = writeln!(out, "    '{}:{}'", v.name, v.about.replace('\'', ""));
    }
    out += "  )\n  if (( CURRENT == 2 )); then _describe command verbs; else _files; fi\n}\n_berth \"$@\"\n";
    out
}

fn fish(globals: &[Opt], verbs: &[Verb]) -> String {
    let mut out = String::from("# fish completion for berth (generated from its option tables)\n");
    for v in verbs {
        let _ = writeln!(
            out,
            "complete -c berth -n __fish_use_subcommand -a {} -d '{}'",
            v.name,
            v.about.replace('\'', "")
        );
        for o in v.opts.iter().filter(|o| !o.hidden) {
            let _ = writeln!(
                out,
                "complete -c berth -n '__fish_seen_subcommand_from {}' -l {} -d '{}'",
                v.name,
                o.long,
                o.help.replace('\'', "")
            );
        }
    }
    for o in globals.iter().filter(|o| !o.hidden) {
        let _ = writeln!(out, "complete -c berth -l {} -d '{}'", o.long, o.help.replace('\'', ""));
    }
    out
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "target/docs".into());
    let dir = Path::new(&dir);
    let write = |rel: &str, text: String| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("make the directory");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    };
    let (about, globals, verbs) = tables();
    write("man8/berth.8", top_page(about, globals, verbs));
    for v in verbs {
        write(&format!("man8/berth-{}.8", v.name), verb_page(v, globals));
    }
    write("completions/berth.bash", bash(globals, verbs));
    write("completions/_berth", zsh(verbs));
    write("completions/berth.fish", fish(globals, verbs));
}
