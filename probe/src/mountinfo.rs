//! Parsing of /proc/self/mountinfo (see proc(5)).
//!
//! Line format:
//! `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
//! i.e. id, parent, major:minor, root, mount point, per-mount options, zero
//! or more optional fields, a "-" separator, fstype, source, super options.

use serde_json::{json, Value};

/// The kernel escapes space, tab, newline and backslash in paths as `\ooo`
/// octal. Undo that so tests can compare against plain paths.
pub fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b.get(i + 1..i + 4);
        if b[i] == b'\\' && octal.is_some_and(|o| o.iter().all(|c| (b'0'..=b'7').contains(c))) {
            let v = b[i + 1..i + 4].iter().fold(0u32, |acc, c| acc * 8 + (c - b'0') as u32);
            // \4xx and above do not fit in a byte; the kernel never emits them.
            if v <= 0xff {
                out.push(v as u8);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse one mountinfo line into the JSON object used by the report.
/// Returns `None` for lines that do not follow the format, so a single odd
/// line cannot hide all the others.
pub fn parse_line(line: &str) -> Option<Value> {
    let mut fields = line.split(' ');
    let id: i64 = fields.next()?.parse().ok()?;
    let parent: i64 = fields.next()?.parse().ok()?;
    let major_minor = fields.next()?;
    let root = fields.next()?;
    let mount_point = fields.next()?;
    let options = fields.next()?;
    let mut optional = Vec::new();
    loop {
        match fields.next()? {
            "-" => break,
            f => optional.push(f.to_string()),
        }
    }
    let fstype = fields.next()?;
    let source = fields.next()?;
    // Super options are normally present, but tolerate their absence.
    let super_options = fields.next().unwrap_or("");
    Some(json!({
        "id": id,
        "parent": parent,
        "major_minor": major_minor,
        "root": unescape(root),
        "mount_point": unescape(mount_point),
        "options": options,
        "optional": optional,
        "fstype": fstype,
        "source": unescape(source),
        "super_options": super_options,
    }))
}

/// All parseable lines of a mountinfo file, in kernel order.
pub fn parse(contents: &str) -> Vec<Value> {
    contents.lines().filter(|l| !l.is_empty()).filter_map(parse_line).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc5_example() {
        let v = parse_line("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue").unwrap();
        assert_eq!(
            v,
            json!({
                "id": 36, "parent": 35, "major_minor": "98:0",
                "root": "/mnt1", "mount_point": "/mnt2",
                "options": "rw,noatime", "optional": ["master:1"],
                "fstype": "ext3", "source": "/dev/root",
                "super_options": "rw,errors=continue",
            })
        );
    }

    #[test]
    fn parses_no_and_multiple_optional_fields() {
        let v = parse_line("22 1 0:21 / /proc rw,nosuid - proc proc rw").unwrap();
        assert_eq!(v["optional"], json!([]));
        assert_eq!(v["fstype"], "proc");
        let v =
            parse_line("100 99 0:5 / /dev rw shared:2 master:7 propagate_from:3 - devtmpfs udev rw,size=10k").unwrap();
        assert_eq!(v["optional"], json!(["shared:2", "master:7", "propagate_from:3"]));
        assert_eq!(v["source"], "udev");
        assert_eq!(v["super_options"], "rw,size=10k");
    }

    #[test]
    fn unescapes_paths() {
        let v = parse_line(r"40 22 0:50 /a\040b /mnt/with\040space\134x rw - tmpfs my\011src rw").unwrap();
        assert_eq!(v["root"], "/a b");
        assert_eq!(v["mount_point"], "/mnt/with space\\x");
        assert_eq!(v["source"], "my\tsrc");
        // A backslash not followed by three octal digits is kept verbatim.
        assert_eq!(unescape(r"a\9b\04"), r"a\9b\04");
    }

    #[test]
    fn rejects_malformed_lines() {
        assert!(parse_line("").is_none());
        assert!(parse_line("x 1 0:1 / / rw - t s o").is_none());
        // Missing separator.
        assert!(parse_line("1 0 0:1 / / rw shared:1 tmpfs none rw").is_none());
        let all = parse("garbage\n22 1 0:21 / /proc rw - proc proc rw\n");
        assert_eq!(all.len(), 1);
    }
}
