//! Reading config.json. Errors name the JSON path of the offending field
//! (`linux.namespaces[2].type: unknown variant ...`), so a user can find it.

use super::Error;
use crate::error::{About, Result, SysResult};
use oci_spec::runtime::Spec;
use std::path::Path;

/// A config as read, with a warning for each value berth ignores (unknown
/// capability names); the caller decides whether to log them.
#[derive(Debug)]
pub struct Loaded {
    pub spec: Spec,
    pub warnings: Vec<String>,
}

pub fn load(bundle: &Path) -> Result<Loaded> {
    let path = bundle.join("config.json");
    let text = std::fs::read(&path).sys_at("read", &path)?;
    parse(&text).at_path(&path)
}

pub fn parse(text: &[u8]) -> Result<Loaded> {
    // serde reads a struct from an array too, which would report `[]` as a
    // config without ociVersion.
    if text.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b != b'{') {
        return Err(Error::NotAnObject.into());
    }
    let wire = super::json_path::from_slice::<super::wire::SpecWire>(text).map_err(|e| e.into_error(None))?;
    let mut warnings = Vec::new();
    let mut spec = wire.into_spec(&mut warnings);
    normalize(&mut spec, &mut warnings);
    Ok(Loaded { spec, warnings })
}

/// What runc reads more loosely than the letter of the spec, read the same
/// way, each with a warning where something is dropped: a namespace
/// `"path": ""` means a new namespace; an entry repeated exactly (a script
/// adding a namespace `berth spec` already has) counts once; device access
/// letters other than r, w and m (`rwa`) are ignored, never widening a rule.
fn normalize(spec: &mut Spec, warnings: &mut Vec<String>) {
    // In place: a clone of `linux` would copy the whole seccomp profile.
    let Some(linux) = spec.linux_mut() else { return };
    if let Some(namespaces) = linux.namespaces_mut() {
        let mut kept: Vec<oci_spec::runtime::LinuxNamespace> = Vec::with_capacity(namespaces.len());
        for (i, mut ns) in namespaces.drain(..).enumerate() {
            if ns.path().as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
                ns.set_path(None);
            }
            if kept.contains(&ns) {
                warnings.push(format!("linux.namespaces[{i}]: the same entry appears twice; counted once"));
                continue;
            }
            kept.push(ns);
        }
        *namespaces = kept;
    }
    let devices = linux.resources_mut().as_mut().and_then(|r| r.devices_mut().as_mut());
    for (i, d) in devices.into_iter().flatten().enumerate() {
        let Some(access) = d.access().clone() else { continue };
        let (known, other): (String, String) = access.chars().partition(|c| "rwm".contains(*c));
        if !other.is_empty() && !known.is_empty() {
            warnings.push(format!(
                "linux.resources.devices[{i}].access: {other:?} ignored (only r, w and m mean anything)"
            ));
            d.set_access(Some(known));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_of_an_unknown_namespace() {
        let e =
            parse(br#"{"ociVersion":"1.0.0","linux":{"namespaces":[{"type":"pid"},{"type":"bogus"}]}}"#).unwrap_err();
        assert_eq!(e.config_field(), Some("linux.namespaces[1].type"));
        let e = e.to_string();
        assert!(e.starts_with("linux.namespaces[1].type: unknown variant `bogus`"), "{e}");
    }

    #[test]
    fn reports_malformed_json() {
        let e = parse(b"{\"ociVersion\": ").unwrap_err();
        assert!(matches!(e, crate::Error::Spec(Error::Syntax { .. })), "{e:?}");
        assert!(e.to_string().starts_with("invalid JSON"), "{e}");
    }

    #[test]
    fn an_unknown_capability_is_a_warning_naming_it() {
        let l = parse(
            br#"{"ociVersion":"1.0.0","process":{"user":{"uid":0,"gid":0},"cwd":"/","args":["x"],"capabilities":{"bounding":["CAP_NOPE"]}}}"#,
        )
        .unwrap();
        assert_eq!(l.warnings.len(), 1);
        assert!(l.warnings[0].starts_with("process.capabilities.bounding[0]: \"CAP_NOPE\""), "{:?}", l.warnings);
    }

    #[test]
    fn a_config_that_is_not_an_object_says_so() {
        for text in [&b"[]"[..], b" \n[1]", b"\"x\"", b"3"] {
            let e = parse(text).err().unwrap().to_string();
            assert!(e.starts_with("not a JSON object"), "{e}");
        }
    }

    #[test]
    fn errors_name_the_index_in_an_array() {
        for (text, want) in [
            (r#"{"ociVersion":"1.0.0","linux":{"namespaces":[{"type":"bogus"}]}}"#, "linux.namespaces[0].type"),
            (r#"{"ociVersion":"1.0.0","mounts":[{"destination":5}]}"#, "mounts[0].destination"),
            (r#"{"ociVersion":"1.0.0","linux":{"maskedPaths":["/a", 7]}}"#, "linux.maskedPaths[1]"),
            (
                r#"{"ociVersion":"1.0.0","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":["BOGUS","SCMP_ARCH_X86"]}}}"#,
                "linux.seccomp.architectures[0]",
            ),
            (
                r#"{"ociVersion":"1.0.0","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86","BOGUS"]}}}"#,
                "linux.seccomp.architectures[1]",
            ),
        ] {
            let e = parse(text.as_bytes()).err().unwrap().to_string();
            assert!(e.starts_with(want), "{text}: {e}");
        }
    }
}
