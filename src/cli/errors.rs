//! A command line berth cannot run is one line and exit status 2. clap's
//! errors are several lines of prose; the line here is made from the error's
//! kind and context (which option, which value), never from its text.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use std::ffi::{OsStr, OsString};

/// A command line that cannot be run; one line, exit status 2.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn usage(msg: String) -> UsageError {
    UsageError(crate::error::one_line(&msg))
}

/// `what {arg:?}: not UTF-8`: the bytes shown escaped.
pub fn not_utf8(what: &str, arg: &OsStr) -> UsageError {
    usage(format!("{what} {arg:?}: not UTF-8"))
}

/// The one line for a clap error met while parsing `args` for `verb`.
/// `required` is the verb's required argument, for a missing one.
pub fn from_clap(e: &clap::Error, verb: Option<&str>, required: Option<&str>, args: &[OsString]) -> UsageError {
    let get = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.as_str()),
        Some(ContextValue::Strings(v)) => v.first().map(String::as_str),
        _ => None,
    };
    let arg = get(ContextKind::InvalidArg).unwrap_or("argument");
    let value = get(ContextKind::InvalidValue).unwrap_or_default();
    let for_verb = verb.map(|v| format!(" for {v}")).unwrap_or_default();
    usage(match e.kind() {
        ErrorKind::UnknownArgument if arg.starts_with('-') && arg != "-" => {
            format!("unknown option {}{for_verb}", shown(arg, args, false))
        }
        ErrorKind::UnknownArgument => format!("unexpected argument {}{for_verb}", shown(arg, args, true)),
        ErrorKind::InvalidValue if value.is_empty() => format!("{arg} needs a value"),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let valid = match e.get(ContextKind::ValidValue) {
                Some(ContextValue::Strings(v)) => format!("one of {}", v.join(", ")),
                Some(ContextValue::String(s)) => s.clone(),
                _ => "not valid".to_string(),
            };
            format!("invalid value {value:?} for {arg}: {valid}")
        }
        // The value is already shown escaped (define.rs).
        ErrorKind::InvalidUtf8 if arg.starts_with('-') => format!("value for {arg} {value}: not UTF-8"),
        ErrorKind::InvalidUtf8 => format!("{arg} {value}: not UTF-8"),
        ErrorKind::TooManyValues => format!("{arg} takes no value"),
        ErrorKind::MissingRequiredArgument => match (verb, required) {
            (Some(v), Some(r)) => format!("{v} needs <{r}>"),
            _ => format!("missing {arg}"),
        },
        kind => {
            let what = kind.as_str().unwrap_or("invalid command line");
            match e.get(ContextKind::InvalidArg) {
                Some(_) => format!("{what}: {arg}{for_verb}"),
                None => format!("{what}{for_verb}"),
            }
        }
    })
}

/// An argument as the error shows it. clap's context holds arguments as
/// lossy text (U+FFFD for a byte that is not UTF-8); such an argument is
/// found again in `args` and shown with its bytes escaped.
fn shown(arg: &str, args: &[OsString], quoted: bool) -> String {
    if arg.contains('\u{FFFD}') {
        let tail = arg.trim_start_matches('-');
        let raw = args.iter().find(|a| {
            let lossy = a.to_string_lossy();
            a.to_str().is_none() && (lossy == arg || lossy.ends_with(tail))
        });
        if let Some(raw) = raw {
            return format!("{raw:?}");
        }
    }
    if quoted {
        format!("{arg:?}")
    } else {
        arg.to_string()
    }
}
