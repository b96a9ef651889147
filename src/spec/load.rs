//! Reading config.json. Errors name the JSON path of the offending field
//! (`linux.namespaces[2].type: unknown variant ...`), so a user can find it.

use anyhow::{anyhow, Result};
use oci_spec::runtime::Spec;
use std::path::Path;

pub fn load(bundle: &Path) -> Result<Spec> {
    let path = bundle.join("config.json");
    let text = std::fs::read(&path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

pub fn parse(text: &[u8]) -> Result<Spec> {
    super::json_path::from_slice::<super::wire::SpecWire>(text).map(Spec::from).map_err(|e| {
        if e.path.is_empty() || e.syntax {
            anyhow!("invalid JSON: {}", e.msg)
        } else {
            anyhow!("{}: {}", e.path, e.msg)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_of_an_unknown_namespace() {
        let e = parse(br#"{"ociVersion":"1.0.0","linux":{"namespaces":[{"type":"pid"},{"type":"bogus"}]}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("linux.namespaces[1].type: unknown variant `bogus`"), "{e}");
    }

    #[test]
    fn reports_malformed_json() {
        let e = parse(b"{\"ociVersion\": ").unwrap_err().to_string();
        assert!(e.starts_with("invalid JSON"), "{e}");
    }

    #[test]
    fn names_an_unknown_capability() {
        let e = parse(
            br#"{"ociVersion":"1.0.0","process":{"cwd":"/","args":["x"],"capabilities":{"bounding":["CAP_NOPE"]}}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("process.capabilities.bounding"), "{e}");
        assert!(e.contains("CAP_NOPE"), "{e}");
    }
}
