#!/usr/bin/env python3
"""Print containers-common's seccomp profile as an OCI linux.seccomp object,
as podman builds it for a container holding the given capabilities on x86_64.

    containers-common-to-oci.py [PROFILE] [CAP ...]
"""
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/containers/seccomp.json"
caps = set(sys.argv[2:] or ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])
p = json.load(open(path))
archs = []
for a in p.get("archMap") or []:
    if a["architecture"] == "SCMP_ARCH_X86_64":
        archs = [a["architecture"]] + a.get("subArchitectures", [])
out = []
for s in p["syscalls"]:
    inc, exc = s.get("includes") or {}, s.get("excludes") or {}
    if not set(inc.get("caps") or []) <= caps:
        continue
    if inc.get("arches") and not {"amd64", "x86_64"} & set(inc["arches"]):
        continue
    if set(exc.get("caps") or []) & caps:
        continue
    rule = {"names": s["names"], "action": s["action"]}
    if s.get("errnoRet") is not None:
        rule["errnoRet"] = s["errnoRet"]
    if s.get("args"):
        rule["args"] = s["args"]
    out.append(rule)
doc = {"defaultAction": p["defaultAction"], "architectures": archs, "syscalls": out}
if p.get("defaultErrnoRet") is not None:
    doc["defaultErrnoRet"] = p["defaultErrnoRet"]
json.dump(doc, sys.stdout)
