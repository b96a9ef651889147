use super::*;
use oci_spec::runtime::Spec;

fn typed(v: Value) -> Spec {
    serde_json::from_value(v).expect("the default is a valid config")
}

#[test]
fn the_default_is_runcs_with_berths_name_and_version() {
    let spec = typed(privileged(false));
    assert_eq!(spec.version(), crate::spec::OCI_VERSION_MAX);
    assert_eq!(spec.hostname().as_deref(), Some("berth"));
    let caps = spec.process().as_ref().unwrap().capabilities().as_ref().unwrap();
    assert!(caps.inheritable().is_none() && caps.ambient().is_none(), "CVE-2022-29162");
    assert_eq!(caps.bounding().as_ref().unwrap().len(), 3);
    let types =
        |v: Value| v["linux"]["namespaces"].as_array().unwrap().iter().map(|n| n["type"].clone()).collect::<Vec<_>>();
    assert_eq!(types(privileged(false)), ["pid", "network", "ipc", "uts", "mount"]);
    assert_eq!(types(privileged(true)), ["pid", "network", "ipc", "uts", "mount", "cgroup"]);
    assert_eq!(types(rootless(0, 0, false)), ["pid", "ipc", "uts", "mount", "user"]);
}

#[test]
fn rootless_maps_only_the_caller_and_drops_what_needs_root() {
    let v = rootless(1000, 1001, true);
    typed(v.clone());
    assert_eq!(v["linux"]["uidMappings"], json!([{"containerID": 0, "hostID": 1000, "size": 1}]));
    assert_eq!(v["linux"]["gidMappings"], json!([{"containerID": 0, "hostID": 1001, "size": 1}]));
    assert!(v["linux"].get("resources").is_none());
    let ns = v["linux"]["namespaces"].to_string();
    assert!(ns.contains("user") && !ns.contains("network"), "{ns}");
    let text = v["mounts"].to_string();
    assert!(!text.contains("gid=") && !text.contains("uid="), "{text}");
    let sys = v["mounts"].as_array().unwrap().iter().find(|m| m["destination"] == "/sys").unwrap();
    assert_eq!(sys["options"][0], "rbind");
}
