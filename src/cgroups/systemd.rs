//! `--systemd-cgroup`: the `slice:prefix:name` form of cgroupsPath. berth has
//! no systemd driver; the path is still checked, so a user learns about a
//! malformed path and a missing systemd in one go, in that order.

use crate::error::Result;

/// (slice, prefix, name) of `slice:prefix:name`; an empty slice means system.slice.
pub fn parse(path: &str) -> Result<(String, String, String)> {
    let parts: Vec<&str> = path.split(':').collect();
    let refuse = |reason: String| Err(crate::Error::field("linux.cgroupsPath", reason));
    let [slice, prefix, name] = parts.as_slice() else {
        return refuse(format!("{path:?} is not slice:prefix:name, as --systemd-cgroup needs"));
    };
    if !slice.is_empty() && !slice.ends_with(".slice") {
        return refuse(format!("slice {slice:?} must end in .slice"));
    }
    if name.is_empty() {
        return refuse(format!("{path:?} has no unit name"));
    }
    let slice = if slice.is_empty() { "system.slice" } else { slice };
    Ok((slice.to_string(), prefix.to_string(), name.to_string()))
}

/// Systemd is running when it has made this directory (sd_booted's test).
pub fn running() -> bool {
    std::path::Path::new("/run/systemd/system").is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_prefix_name() {
        assert_eq!(parse("user.slice:docker:abc").unwrap(), ("user.slice".into(), "docker".into(), "abc".into()));
        assert_eq!(parse(":crio:abc").unwrap().0, "system.slice");
        assert!(parse("/plain/path").is_err());
        assert!(parse("user:docker:abc").is_err());
        assert!(parse("user.slice:docker:").is_err());
    }
}
