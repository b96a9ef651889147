//! Deserializing with errors that name the JSON path of the offending field
//! (`linux.namespaces[2].type: unknown variant ...`).
//!
//! serde_json reports where it stopped (line and column); a small scan of the
//! text up to that point tells which object keys and array indices enclose
//! it. This replaces a generic path-tracking deserializer that doubled the
//! code of every config type (about 450 KiB of binary).

use serde::de::DeserializeOwned;

/// A deserialization error: the path of the field (empty at the top level or
/// for malformed JSON) and serde_json's message without its position.
#[derive(Debug)]
pub struct PathError {
    pub path: String,
    pub msg: String,
    pub syntax: bool,
}

impl PathError {
    /// As a config error: malformed JSON, or the field at the path that has
    /// a wrong value. The path is under `under` (`process` for a process
    /// file: "process.args"); at the top level, without `under`, it is
    /// malformed too (a config that is not an object of fields).
    pub fn into_error(self, under: Option<&str>) -> crate::Error {
        let field = match (self.syntax, under, self.path.is_empty()) {
            (true, _, _) | (false, None, true) => return super::Error::Syntax { msg: self.msg }.into(),
            (false, None, false) => self.path,
            (false, Some(top), true) => top.to_string(),
            (false, Some(top), false) => format!("{top}.{}", self.path),
        };
        crate::Error::field(field, super::Error::Json { msg: self.msg })
    }
}

pub fn from_slice<T: DeserializeOwned>(text: &[u8]) -> Result<T, PathError> {
    serde_json::from_slice(text).map_err(|e| {
        let syntax = e.is_syntax() || e.is_eof();
        let full = e.to_string();
        let msg = crate::error::one_line(full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m));
        let path = if syntax {
            String::new()
        } else {
            // A missing field is reported on its object's closing brace.
            path_at(text, e.line(), e.column(), msg.starts_with("missing field"))
        };
        PathError { path, msg, syntax }
    })
}

/// As `from_slice`, for a value built in memory.
pub fn from_value<T: DeserializeOwned>(v: &serde_json::Value) -> Result<T, PathError> {
    from_slice(&serde_json::to_vec(v).unwrap_or_default())
}

enum Frame {
    Object(Option<String>),
    Array(usize),
}

/// The path of the innermost field around (1-based `line`, `column`), where
/// serde_json stopped: just after the offending value, or (`object`) on the
/// closing brace of an object that lacks a field, which names the object.
pub fn path_at(text: &[u8], line: usize, column: usize, object: bool) -> String {
    let line_start: usize = text.split_inclusive(|b| *b == b'\n').take(line.saturating_sub(1)).map(|l| l.len()).sum();
    // Stop before the last byte read, so a closing brace still counts as inside.
    let end = (line_start + column).saturating_sub(1).min(text.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match text[i] {
            b'{' => stack.push(Frame::Object(None)),
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(n)) => *n += 1,
                Some(Frame::Object(key)) => *key = None,
                None => {}
            },
            b'"' => {
                let (s, next) = string_at(text, i + 1);
                if let Some(Frame::Object(key @ None)) = stack.last_mut() {
                    *key = Some(s);
                }
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if object {
        if let Some(Frame::Object(key)) = stack.last_mut() {
            *key = None;
        }
    }
    let mut out = String::new();
    for f in &stack {
        match f {
            Frame::Object(Some(k)) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Frame::Array(n) => out.push_str(&format!("[{n}]")),
            Frame::Object(None) => {}
        }
    }
    out
}

/// The string starting at `i` (just after its opening quote) and the index
/// after its closing quote. Escapes are kept as written: keys in configs are
/// plain names.
fn string_at(text: &[u8], mut i: usize) -> (String, usize) {
    let start = i;
    while i < text.len() && text[i] != b'"' {
        i += if text[i] == b'\\' { 2 } else { 1 };
    }
    let end = i.min(text.len());
    (String::from_utf8_lossy(&text[start..end]).into_owned(), end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::{Process, Spec};

    fn err<T: DeserializeOwned + std::fmt::Debug>(text: &str) -> PathError {
        from_slice::<T>(text.as_bytes()).unwrap_err()
    }

    #[test]
    fn names_nested_fields_array_items_and_missing_fields() {
        let e = err::<Spec>(r#"{"ociVersion":"1.0.0","linux":{"namespaces":[{"type":"pid"},{"type":"bogus"}]}}"#);
        assert_eq!(e.path, "linux.namespaces[1].type");
        assert!(e.msg.starts_with("unknown variant `bogus`"), "{}", e.msg);
        let e = err::<Process>("{\"args\": [\"true\"],\n \"cwd\": \"/\",\n \"user\": {\"uid\": \"root\"}}");
        assert_eq!(e.path, "user.uid");
        assert!(!e.msg.contains(" at line "), "{}", e.msg);
        let e = err::<Spec>(r#"{"ociVersion":"1","linux":{"namespaces":[{"type":"pid"},{"path":"/x"}]}}"#);
        assert_eq!(e.path, "linux.namespaces[1]", "{}", e.msg);
        assert!(e.msg.contains("type"), "{}", e.msg);
        let e =
            err::<Spec>(r#"{"ociVersion":"1","process":{"cwd":"/","capabilities":{"bounding":["CAP_X","CAP_NOPE"]}}}"#);
        assert!(e.path.starts_with("process.capabilities.bounding"), "{}", e.path);
    }

    #[test]
    fn malformed_json_is_a_syntax_error_without_a_path() {
        let e = err::<Spec>("{\"ociVersion\": ");
        assert!(e.syntax && e.path.is_empty());
    }

    #[test]
    fn strings_with_brackets_and_escapes_do_not_confuse_the_scan() {
        let e = err::<Process>(r#"{"args": ["a{[\"]", "b"], "env": ["X=}"], "cwd": "/", "user": {"uid": -1}}"#);
        assert_eq!(e.path, "user.uid");
    }
}
