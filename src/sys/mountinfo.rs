//! /proc/self/mountinfo, read one way for every caller (the cgroup layout,
//! the rootfs's parent mount, the mounts --no-pivot detaches), with the
//! kernel's octal escapes undone (`\040` for a space, and tab, newline and
//! backslash).

use std::path::PathBuf;

/// One line: the fields berth uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The path inside its filesystem that is mounted ("/" for a whole one).
    pub root: String,
    pub mount_point: PathBuf,
    /// Optional fields: `shared:N`, `master:N`, ...
    pub optional: Vec<String>,
    pub fstype: String,
    pub source: String,
    /// The superblock options (for cgroup v1, the controllers).
    pub super_options: String,
}

impl Mount {
    pub fn shared(&self) -> bool {
        self.optional.iter().any(|f| f.starts_with("shared:"))
    }
}

/// Where `read` reads it.
pub const PATH: &str = "/proc/self/mountinfo";

pub fn read() -> std::io::Result<Vec<Mount>> {
    Ok(parse(&std::fs::read_to_string(PATH)?))
}

/// Every well-formed line, in the kernel's order (later mounts last).
pub fn parse(text: &str) -> Vec<Mount> {
    text.lines().filter_map(line).collect()
}

fn line(l: &str) -> Option<Mount> {
    let (left, right) = l.split_once(" - ")?;
    let fields: Vec<&str> = left.split(' ').collect();
    let after: Vec<&str> = right.split(' ').collect();
    if fields.len() < 6 || after.len() < 2 {
        return None;
    }
    Some(Mount {
        root: unescape(fields[3]),
        mount_point: PathBuf::from(unescape(fields[4])),
        optional: fields[6..].iter().map(|s| s.to_string()).collect(),
        fstype: after[0].to_string(),
        source: unescape(after[1]),
        super_options: after.get(2).map(|s| s.to_string()).unwrap_or_default(),
    })
}

/// `\NNN` octal escapes back to their bytes, in one pass (so `\134040`
/// stays a backslash followed by "040").
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b.get(i + 1..i + 4).filter(|d| b[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_escapes() {
        let text =
            "36 35 98:0 /mnt1 /mnt/my\\040dir rw,noatime master:1 shared:7 - ext3 /dev/r\\134oot rw,errors=continue\n\
                    bad line\n\
                    40 1 0:5 / /proc rw - proc proc rw\n";
        let m = parse(text);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].root, "/mnt1");
        assert_eq!(m[0].mount_point, PathBuf::from("/mnt/my dir"));
        assert_eq!(m[0].optional, ["master:1", "shared:7"]);
        assert!(m[0].shared());
        assert_eq!((m[0].fstype.as_str(), m[0].source.as_str()), ("ext3", "/dev/r\\oot"));
        assert_eq!(m[0].super_options, "rw,errors=continue");
        assert_eq!((m[1].fstype.as_str(), m[1].mount_point.to_str()), ("proc", Some("/proc")));
        assert!(!m[1].shared());
    }

    #[test]
    fn escapes_are_undone_once() {
        assert_eq!(unescape("a\\011b\\012c\\134040"), "a\tb\nc\\040");
        assert_eq!(unescape("\\04"), "\\04");
    }
}
