#!/usr/bin/env python3
"""berth beside crun and runc (from Debian), on one bundle, in one run.

    integration/bench.py [--quick] [--out docs/benchmarks.md]

Measures, alternating the runtimes so that drift on a noisy machine hits all
of them alike, and reports medians and ratios (never asserts a timing):
  1. `run` of `true` (create+start+wait+delete), and the floor: `unshare`
     with the same namespaces + chroot + true;
  2. `create`, `start`, `delete` separately; `exec` of `true` into a running container;
  3. CPU time and peak RSS of the runtime process (wait4), binary size;
  4. the smallest memory limit under which `run true` still succeeds: the
     container's own, and one on the runtime process;
  5. N containers started concurrently (N = 10, 100, 1000): total time;
  6. `state` and `list` latency with 1000 containers present;
  7. with --soak (`make bench SOAK=1`), berth only: a system container
     (busybox init, syslogd, crond, httpd: integration/system-container.sh,
     as tests/system_container.rs runs it) for SOAK_SECONDS (default 600)
     with an `exec` every second: init's fds, the container's memory and the
     state directory at the start and the end, exec latency per minute.
     --soak-only runs the soak alone and prints its section (written to a
     file only when --out is given);
  8. start time as engine users feel it, berth and runc (crun cannot run
     under engines on this hybrid host): `docker run --rm busybox true`,
     `podman run --rm busybox true` (integration/bench-engines.sh) and a
     CRI pod start, sandbox + create + start (integration/cri-test.sh with
     CRI_BENCH), ENGINE_RUNS each, alternating; with the runtime's own share
     of it, from a wrapper that timestamps each runtime invocation.
Writes a Markdown report and a PNG plot of per-container time against N.

Runs as root inside a private mount namespace, with /sys/fs/cgroup/unified
hidden by a tmpfs there, since crun refuses hybrid cgroup hosts.
"""
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
QUICK = "--quick" in sys.argv
OUT = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else os.path.join(TOP, "docs/benchmarks.md")
RUNS = 10 if QUICK else 50
CONCURRENCY = [10, 50] if QUICK else [10, 100, 1000]
PRESENT = 100 if QUICK else 1000
NAMESPACES = ["pid", "network", "ipc", "uts", "mount"]
SOAK_ONLY = "--soak-only" in sys.argv
SOAK = SOAK_ONLY or "--soak" in sys.argv
SOAK_SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
ENGINE_RUNS = 5 if QUICK else 20
if SOAK_ONLY and "--out" not in sys.argv:
    OUT = None

if os.environ.get("_BENCH_INNER") != "1":
    os.environ["_BENCH_INNER"] = "1"
    os.execvp("unshare", ["unshare", "-m", "--propagation", "private", sys.executable] + sys.argv)


def sh(*args, **kw):
    return subprocess.run(list(args), check=True, **kw)


def ensure_tools():
    missing = [pkg for pkg in ("crun", "runc") if not shutil.which(pkg)]
    sys.path.append("/usr/lib/python3/dist-packages")  # Debian's matplotlib
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        missing.append("python3-matplotlib")
    if missing:
        sh("apt-get", "install", "-y", "-qq", *sorted(set(missing)), stdout=subprocess.DEVNULL)


ensure_tools()
if os.path.isdir("/sys/fs/cgroup/unified"):
    sh("mount", "-t", "tmpfs", "tmpfs", "/sys/fs/cgroup/unified")

RUNTIMES = {
    "berth": os.environ.get("BERTH") or os.path.join(TOP, "target/x86_64-unknown-linux-gnu/release/berth"),
    "crun": shutil.which("crun"),
    "runc": shutil.which("runc"),
}
WORK = tempfile.mkdtemp(prefix="berth-bench-")
ROOTFS = os.path.join(WORK, "rootfs")
shutil.copytree(os.path.join(TOP, "bundles/rootfs"), ROOTFS, symlinks=True)
CGROUP_PARENT = "bench-%d" % os.getpid()


def bundle(name, args=("/bin/true",)):
    """A bundle directory sharing the read-only rootfs."""
    d = os.path.join(WORK, "bundle-" + name)
    os.makedirs(d, exist_ok=True)
    c = json.load(open(os.path.join(TOP, "bundles/config.json")))
    c["ociVersion"] = "1.0.2"  # what crun 1.8 and runc 1.1 accept
    c["process"]["args"] = list(args)
    c["process"].pop("rlimits", None)
    c["root"] = {"path": ROOTFS, "readonly": True}
    c["mounts"] = [m for m in c["mounts"] if m["destination"] in ("/proc", "/dev", "/dev/pts")]
    # No cgroupsPath: each runtime gives each container its own default cgroup.
    c["linux"] = {"namespaces": [{"type": t} for t in NAMESPACES]}
    json.dump(c, open(os.path.join(d, "config.json"), "w"))
    return d


# State directories on a tmpfs, as /run is where engines keep them (runc,
# crun and berth all default to /run/<name>). On this ext4 /tmp, replacing a
# state file by rename also starts writeback of the new one, for every runtime.
STATE = os.path.join(WORK, "state")
os.makedirs(STATE)
sh("mount", "-t", "tmpfs", "tmpfs", STATE)


def root_of(rt):
    return os.path.join(STATE, rt)


PROBE = os.path.join(TOP, "bundles/rootfs/probe")


def timed(argv):
    """Wall time (ms), CPU time (ms) and peak RSS (KiB) of one process.

    Spawned by the small static probe: the kernel records the parent's
    memory as the child's peak at exec, and Python's would swamp the runtime's.
    """
    out = subprocess.run([PROBE, "rusage"] + argv, capture_output=True, text=True, check=True).stdout
    r = json.loads(out)
    if r["status"] != 0:
        raise RuntimeError("%s failed (%s)" % (" ".join(argv), r["status"]))
    return r["wall_ms"], r["cpu_ms"], r["maxrss_kib"]


def rotation(i):
    """The runtimes in a different order each round, so none always follows
    another (a v1 cgroup move right after another one skips an RCU grace
    period in the kernel, a ~10 ms advantage for whoever comes second)."""
    names = list(RUNTIMES)
    k = i % len(names)
    return [(rt, RUNTIMES[rt]) for rt in names[k:] + names[:k]]


def settle():
    """An idle moment before each timed start, so that each pays its own way."""
    time.sleep(0.03)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def bench_run(b):
    """1 and 3: run true, alternating the runtimes; plus the floor."""
    res = {rt: {"wall": [], "cpu": [], "rss": []} for rt in RUNTIMES}
    floor = []
    unshare = [shutil.which("unshare"), "--pid", "--net", "--ipc", "--uts", "--mount", "--fork", shutil.which("chroot"), ROOTFS, "/bin/true"]
    for i in range(RUNS):
        for rt, binary in rotation(i):
            settle()
            w, c, r = timed([binary, "--root", root_of(rt), "run", "--bundle", b, "run-%s-%d" % (rt, i)])
            res[rt]["wall"].append(w)
            res[rt]["cpu"].append(c)
            res[rt]["rss"].append(r)
        settle()
        floor.append(timed(unshare)[0])
    return res, med(floor)


def bench_phases(b):
    """2: create, start, delete separately."""
    res = {rt: {"create": [], "start": [], "delete": []} for rt in RUNTIMES}
    for i in range(RUNS):
        for rt, binary in rotation(i):
            cid = "ph-%s-%d" % (rt, i)
            base = [binary, "--root", root_of(rt)]
            settle()
            res[rt]["create"].append(timed(base + ["create", "--bundle", b, cid])[0])
            settle()
            res[rt]["start"].append(timed(base + ["start", cid])[0])
            for _ in range(200):  # wait until `true` has exited
                st = subprocess.run(base + ["state", cid], capture_output=True, text=True)
                if '"stopped"' in st.stdout:
                    break
                time.sleep(0.005)
            settle()
            res[rt]["delete"].append(timed(base + ["delete", cid])[0])
    return res


def bench_exec(b):
    """2: `exec true` into a running container, alternating the runtimes."""
    res = {rt: [] for rt in RUNTIMES}
    for rt, binary in RUNTIMES.items():
        subprocess.run([binary, "--root", root_of(rt), "run", "-d", "--bundle", b, "ex-" + rt], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for i in range(RUNS):
            for rt, binary in rotation(i):
                settle()
                res[rt].append(timed([binary, "--root", root_of(rt), "exec", "ex-" + rt, "/bin/true"])[0])
    finally:
        for rt, binary in RUNTIMES.items():
            subprocess.run([binary, "--root", root_of(rt), "delete", "--force", "ex-" + rt],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return res


def cgroup_v1(ctrl, rel):
    return os.path.join("/sys/fs/cgroup", ctrl, rel)


def bundle_with(base, name, linux):
    """A copy of bundle `base` with more linux.* settings."""
    d = bundle(name)
    c = json.load(open(os.path.join(base, "config.json")))
    c["linux"].update(linux)
    json.dump(c, open(os.path.join(d, "config.json"), "w"))
    return d


def limited_bundle(b, rt, limit):
    """`b` with linux.resources.memory.limit set, in a cgroup of ours."""
    name = "mem-%s-%d" % (rt, limit)
    return bundle_with(b, name, {"cgroupsPath": "/%s/%s" % (CGROUP_PARENT, name),
                                 "resources": {"memory": {"limit": limit}}})


def runs_under(rt, binary, b, limit, whole_runtime):
    """Does `run true` succeed under `limit` bytes? Either the container's own
    limit (linux.resources.memory.limit), or, with `whole_runtime`, a cgroup
    that confines the runtime process itself (its container's cgroup is
    beside it, so init counts there only until it joins its own)."""
    if not whole_runtime:
        b = limited_bundle(b, rt, limit)
        cmd = [binary, "--root", root_of(rt), "run", "--bundle", b, "mem-%d" % limit]
        ok = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode == 0
        subprocess.run([binary, "--root", root_of(rt), "delete", "--force", "mem-%d" % limit],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(b, ignore_errors=True)
        return ok
    # The container's cgroup goes under ours too: a runtime killed for want
    # of memory cannot remove what it made, and cleanup() then does.
    name = "run-mem-%s-%d" % (rt, limit)
    b = bundle_with(b, name, {"cgroupsPath": "/%s/%s" % (CGROUP_PARENT, name)})
    rel = "%s/mem-%s-%d" % (CGROUP_PARENT, rt, limit)
    d = cgroup_v1("memory", rel)
    os.makedirs(d, exist_ok=True)
    try:
        for f in ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"):
            try:
                open(os.path.join(d, f), "w").write(str(limit))
            except OSError:
                pass
        cmd = 'echo $$ > %s/cgroup.procs && exec %s --root %s run --bundle %s mem-%d' % (d, binary, root_of(rt), b, limit)
        ok = subprocess.run(["sh", "-c", cmd], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode == 0
        subprocess.run([binary, "--root", root_of(rt), "delete", "--force", "mem-%d" % limit],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return ok
    finally:
        shutil.rmtree(b, ignore_errors=True)
        for _ in range(50):
            try:
                os.rmdir(d)
                break
            except OSError:
                time.sleep(0.02)


def bench_min_memory(b, whole_runtime):
    """4: binary search over 8 KiB steps between 64 KiB and 32 MiB. Near its
    edge a limit works only sometimes (kernel memory freed late, per-CPU
    charge batches), so a limit counts only when 3 runs out of 3 succeed."""
    out = {}
    ok = lambda rt, binary, limit: all(runs_under(rt, binary, b, limit, whole_runtime) for _ in range(3))
    for rt, binary in RUNTIMES.items():
        lo, hi = 64 << 10, 32 << 20
        if not ok(rt, binary, hi):
            out[rt] = None
            continue
        while hi - lo > 8 << 10:
            mid = (lo + hi) // 2 // 4096 * 4096
            if ok(rt, binary, mid):
                hi = mid
            else:
                lo = mid
        out[rt] = hi
    return out


def bench_concurrency(b):
    """5: N `run true` at once; total wall time."""
    out = {rt: {} for rt in RUNTIMES}
    for n in CONCURRENCY:
        for rt, binary in RUNTIMES.items():
            t = time.perf_counter()
            procs = [subprocess.Popen([binary, "--root", root_of(rt), "run", "--bundle", b, "c%d-%d" % (n, i)],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                     for i in range(n)]
            failed = sum(p.wait() != 0 for p in procs)
            out[rt][n] = ((time.perf_counter() - t) * 1000, failed)
            leftovers = subprocess.run([binary, "--root", root_of(rt), "list", "-q"], capture_output=True, text=True).stdout.split()
            for cid in leftovers:
                subprocess.run([binary, "--root", root_of(rt), "delete", "--force", cid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def bench_state_list(b):
    """6: state and list latency with PRESENT created containers."""
    out = {}
    for rt, binary in RUNTIMES.items():
        base = [binary, "--root", root_of(rt)]
        for i in range(PRESENT):
            subprocess.run(base + ["create", "--bundle", b, "many-%d" % i], check=True,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        state = [timed(base + ["state", "many-%d" % (i * 7 % PRESENT)])[0] for i in range(20)]
        lst = [timed(base + ["list"])[0] for _ in range(10)]
        out[rt] = (med(state), med(lst))
        for i in range(PRESENT):
            subprocess.run(base + ["delete", "--force", "many-%d" % i], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


SOAK_ID = "soak"
SOAK_URL = "http://127.0.0.1:8080/"
SOAK_SERVICES = ("syslogd", "crond", "httpd")


def soak_bundle():
    """The system container of tests/system_container.rs: its own writable
    copy of the rootfs made into one by integration/system-container.sh, and
    the same two capabilities added (crond switches to the crontab's user).
    Its cgroup is under ours, for cleanup()."""
    rootfs = os.path.join(WORK, "soak-rootfs")
    shutil.copytree(os.path.join(TOP, "bundles/rootfs"), rootfs, symlinks=True)
    sh("sh", os.path.join(HERE, "system-container.sh"), rootfs)
    d = bundle("soak", ("/sbin/init",))
    c = json.load(open(os.path.join(d, "config.json")))
    c["root"] = {"path": rootfs, "readonly": False}
    for s in ("bounding", "effective", "permitted"):
        c["process"]["capabilities"][s] += ["CAP_SETUID", "CAP_SETGID"]
    c["linux"]["cgroupsPath"] = "/%s/soak" % CGROUP_PARENT
    json.dump(c, open(os.path.join(d, "config.json"), "w"))
    return d, rootfs


def soak_berth(*args, **kw):
    return subprocess.run([RUNTIMES["berth"], "--root", root_of("berth")] + list(args),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, **kw)


def soak_pids():
    out = soak_berth("ps", "--format", "json", SOAK_ID)
    return json.loads(out.stdout) if out.returncode == 0 else []


def soak_program(pid):
    try:
        return os.path.basename(open("/proc/%d/cmdline" % pid, "rb").read().split(b"\0")[0].decode())
    except OSError:
        return ""


def soak_settled(init):
    """Init and one process per service, nothing else (no exec or httpd
    child still ending), waited for up to 10 s; the pids."""
    pids = []
    for _ in range(200):
        pids = soak_pids()
        progs = sorted(soak_program(p) for p in pids if p != init)
        if init in pids and progs == sorted(SOAK_SERVICES):
            return pids
        time.sleep(0.05)
    raise RuntimeError("the system container never settled: %s" % [(p, soak_program(p)) for p in pids])


def soak_figures(init):
    pids = soak_settled(init)
    rss = 0
    for p in pids:
        for line in open("/proc/%d/status" % p):
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1])
    cg = None
    for f in ("memory.usage_in_bytes", "memory.current"):
        for base in ("/sys/fs/cgroup/memory", "/sys/fs/cgroup"):
            path = os.path.join(base, CGROUP_PARENT, "soak", f)
            if cg is None and os.path.exists(path):
                cg = int(open(path).read()) // 1024
    entries = size = 0
    for top, dirs, files in os.walk(root_of("berth")):
        for n in dirs + files:
            entries += 1
            size += os.lstat(os.path.join(top, n)).st_size
    return {"fds": len(os.listdir("/proc/%d/fd" % init)), "rss": rss, "cgroup": cg,
            "state_entries": entries, "state_bytes": size}


def bench_soak():
    """7: the system container under berth for SOAK_SECONDS, one `exec` of
    wget (fetching httpd's page on the container's loopback) every second."""
    d, rootfs = soak_bundle()
    # Not through pipes: the container keeps berth's stdio, and reading a
    # pipe to its end would wait for the container to end.
    err = os.path.join(WORK, "soak-run.stderr")
    try:
        with open(err, "w") as f:
            r = subprocess.run([RUNTIMES["berth"], "--root", root_of("berth"), "run", "-d", "--bundle", d, SOAK_ID],
                               stdin=subprocess.DEVNULL, stdout=f, stderr=f)
        if r.returncode != 0:
            raise RuntimeError("run -d of the system container: %s" % open(err).read().strip())
        init = json.loads(soak_berth("state", SOAK_ID, check=True).stdout)["pid"]
        wget = [RUNTIMES["berth"], "--root", root_of("berth"), "exec", SOAK_ID, "wget", "-qO", "/dev/null", SOAK_URL]
        for _ in range(200):  # until httpd answers (that first answer also warms the exec path)
            if subprocess.run(wget, stdin=subprocess.DEVNULL, capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        start = soak_figures(init)
        minutes, failed = [], 0
        began = time.monotonic()
        for i in range(SOAK_SECONDS):
            if i % 60 == 0:
                minutes.append([])
            try:
                minutes[-1].append(timed(wget)[0])
            except RuntimeError:
                failed += 1
            time.sleep(max(0.0, began + i + 1 - time.monotonic()))
        end = soak_figures(init)
        cron_jobs = len(open(os.path.join(rootfs, "var/log/cron-ran")).readlines()) \
            if os.path.exists(os.path.join(rootfs, "var/log/cron-ran")) else 0
        # The graceful end, as the test checks it: init runs the shutdown
        # actions, stopping the services in inittab order.
        soak_berth("kill", SOAK_ID, "TERM")
        stopped = None
        t = time.monotonic()
        for _ in range(400):
            if json.loads(soak_berth("state", SOAK_ID).stdout or "{}").get("status") == "stopped":
                stopped = time.monotonic() - t
                break
            time.sleep(0.05)
        order = open(os.path.join(rootfs, "var/log/shutdown")).read().split() \
            if os.path.exists(os.path.join(rootfs, "var/log/shutdown")) else []
        return {"start": start, "end": end, "minutes": minutes, "failed": failed, "cron_jobs": cron_jobs,
                "stopped": stopped, "order": order}
    finally:
        soak_berth("delete", "--force", SOAK_ID)


def soak_report(soak):
    s, e = soak["start"], soak["end"]
    kib = lambda v: "-" if v is None else "%d KiB" % v
    execs = sum(len(m) for m in soak["minutes"])
    lines = [
        "## Soak: a system container for %d minutes" % (SOAK_SECONDS // 60) if SOAK_SECONDS % 60 == 0
        else "## Soak: a system container for %d s" % SOAK_SECONDS,
        "",
        "berth only (`make bench SOAK=1`; `SOAK_SECONDS` sets the length): the system container of "
        "`tests/system_container.rs` (busybox init as pid 1 running syslogd, crond and httpd, set up by "
        "`integration/system-container.sh`), one `berth exec ID wget` of httpd's page on the container's "
        "loopback every second. Figures with the container settled (init and its three services only). "
        "RSS is the sum over those four processes; the memory cgroup's usage also counts kernel memory, "
        "charged in per-CPU batches, so it moves by some hundreds of KiB with no leak.",
        "",
        "| | start | end |",
        "|---|---|---|",
        "| init's open fds | %d | %d |" % (s["fds"], e["fds"]),
        "| RSS of the container's processes | %d KiB | %d KiB |" % (s["rss"], e["rss"]),
        "| memory cgroup usage | %s | %s |" % (kib(s["cgroup"]), kib(e["cgroup"])),
        "| state directory (entries / bytes) | %d / %d | %d / %d |" % (
            s["state_entries"], s["state_bytes"], e["state_entries"], e["state_bytes"]),
        "",
        "%d execs, %d failed; crond ran its every-minute job %d times; after `kill TERM` the container was "
        "`stopped` in %s, the services stopped in the order %s." % (
            execs, soak["failed"], soak["cron_jobs"],
            "%.1f s" % soak["stopped"] if soak["stopped"] is not None else "(never, within 20 s)",
            ", ".join(soak["order"]) or "(none recorded)"),
        "",
        "| minute | execs | median (ms) | max (ms) |",
        "|---|---|---|---|",
    ]
    for i, m in enumerate(soak["minutes"]):
        if m:
            lines.append("| %d | %d | %.2f | %.2f |" % (i + 1, len(m), med(m), max(m)))
    return "\n".join(lines) + "\n"


def versions():
    v = {}
    for rt, binary in RUNTIMES.items():
        first = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.splitlines()
        v[rt] = first[0] if first else "?"
    return v


def plot(conc, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for rt in RUNTIMES:
        ns = sorted(conc[rt])
        ax.plot(ns, [conc[rt][n][0] / n for n in ns], marker="o", label=rt)
    ax.set_xscale("log")
    ax.set_xlabel("containers started concurrently (N)")
    ax.set_ylabel("wall time per container (ms)")
    ax.set_title("run true, N at once, 2 cores")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def ratio(a, b):
    return "%.2f" % (a / b) if b else "-"


def report(run, floor, phases, execs, minmem, conc, sl):
    crun = med(run["crun"]["wall"])
    size = {rt: os.path.getsize(binary) for rt, binary in RUNTIMES.items()}
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`integration/bench.py`%s). Machine: %d cores, %.0f GiB, kernel %s; %s." % (
            " --quick" if QUICK else "", os.cpu_count(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
            platform.release(), ", ".join("%s: %s" % kv for kv in versions().items())),
        "",
        "Method: one bundle (busybox rootfs, read-only; pid, network, ipc, uts and mount namespaces; a cgroup), "
        "the runtimes alternating in every round (in a rotating order, each after an idle 30 ms so that no runtime rides on the previous one's cgroup move), inside one `unshare -m` with /sys/fs/cgroup/unified hidden so "
        "that crun runs on this hybrid host, with the state directories on a tmpfs (as /run is). Medians of %d runs; ratios against crun. Timings are reported, never "
        "asserted; this machine is noisy." % RUNS,
        "",
        "## run true, and its parts",
        "",
        "| runtime | run (ms) | / crun | / floor | create | start | delete | exec | CPU per run (ms) | peak RSS (KiB) | binary (KiB) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rt in RUNTIMES:
        w = med(run[rt]["wall"])
        lines.append("| %s | %.2f | %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %d |" % (
            rt, w, ratio(w, crun), ratio(w, floor), med(phases[rt]["create"]), med(phases[rt]["start"]),
            med(phases[rt]["delete"]), med(execs[rt]), med(run[rt]["cpu"]), med(run[rt]["rss"]), size[rt] // 1024))
    lines += ["", "Floor (`unshare` with the same namespaces, chroot, true): %.2f ms." % floor, ""]
    kib = lambda v: "%d KiB" % (v // 1024) if v else "failed at 32 MiB"
    lines += ["## Smallest memory limit for `run true`", "",
              "The container's own limit (`linux.resources.memory.limit`), and a limit on a cgroup holding the "
              "runtime process itself (with init until it joins its own cgroup). The smallest limit at which 3 runs out of 3 succeed.", "",
              "| runtime | container's limit | runtime's limit |", "|---|---|---|"]
    for rt in RUNTIMES:
        lines.append("| %s | %s | %s |" % (rt, kib(minmem["container"][rt]), kib(minmem["runtime"][rt])))
    lines += ["", "## Concurrent starts", "", "| runtime | " + " | ".join("N=%d total (ms) / per container" % n for n in CONCURRENCY) + " |",
              "|---|" + "---|" * len(CONCURRENCY)]
    for rt in RUNTIMES:
        cells = []
        for n in CONCURRENCY:
            total, failed = conc[rt][n]
            cells.append("%.0f / %.2f%s" % (total, total / n, " (%d failed)" % failed if failed else ""))
        lines.append("| %s | %s |" % (rt, " | ".join(cells)))
    lines += ["", "![per-container time against N](bench-concurrency.png)", ""]
    lines += ["## state and list with %d containers present" % PRESENT, "", "| runtime | state (ms) | list (ms) |", "|---|---|---|"]
    for rt in RUNTIMES:
        lines.append("| %s | %.2f | %.2f |" % (rt, sl[rt][0], sl[rt][1]))
    return "\n".join(lines) + "\n"


def bench_engines():
    """8: docker, podman and the CRI with berth and with runc. Each script
    keeps its engines in network and mount namespaces of their own."""
    n = str(ENGINE_RUNS)
    failed = []
    def script(argv, env=None):
        """Its stdout; its failed steps (and a failed exit) are kept for the report."""
        p = subprocess.run(argv, capture_output=True, text=True, env=env)
        failed.extend(l for l in (p.stdout + p.stderr).splitlines() if l.startswith("not ok"))
        if p.returncode != 0:
            failed.append("%s exited with %d" % (os.path.basename(argv[0]), p.returncode))
        return p.stdout
    out = script([os.path.join(HERE, "bench-engines.sh"), RUNTIMES["berth"], n])
    rows = {(r["engine"], r["runtime"]): r for r in (json.loads(l) for l in out.splitlines() if l.startswith("{"))}
    out = script([os.path.join(HERE, "cri-test.sh"), RUNTIMES["berth"]], dict(os.environ, CRI_BENCH=n))
    rows["failed"] = failed
    for line in out.splitlines():
        for tag, key in (("# bench ", "pods"), ("# bench-own ", "own")):
            if line.startswith(tag):
                handler, doc = line[len(tag):].split(": ", 1)
                rows.setdefault(("cri", handler), {})[key] = json.loads(doc)
    return rows


def engines_report(rows):
    def cell(engine, rt, f):
        try:
            return "%.0f" % f(rows[(engine, rt)])
        except (KeyError, TypeError, IndexError, ValueError):
            return "n/a"
    def ratio_of(engine, f):
        try:
            return "%.2f" % (f(rows[(engine, "berth")]) / f(rows[(engine, "runc")]))
        except (KeyError, TypeError, ZeroDivisionError, ValueError):
            return "n/a"
    lines = ["## Start time as engine users feel it", "",
             "berth and runc (crun cannot run under engines on this hybrid host) as the runtime of Docker, podman and "
             "containerd's CRI, %d runs each, alternating; medians. *Own* is the runtime's own share: the summed wall "
             "time of its invocations during one start (a wrapper timestamps each call; docker and podman: medians of 3 "
             "runs, their create, start and delete; the CRI: the mean of 3 pod starts, the create and start of the pause "
             "and the container). Under Docker, `create` holds dockerd's network setup (its prestart hook); podman sets "
             "the network up before it calls the runtime." % ENGINE_RUNS, "",
             "| start | berth (ms) | runc (ms) | berth / runc | berth's own (ms) | runc's own (ms) |",
             "|---|---|---|---|---|---|"]
    for engine, what in (("docker", "`docker run --rm busybox true`"), ("podman", "`podman run --rm busybox true`")):
        whole, own = (lambda r: r["median_ms"]), (lambda r: r["own_median_ms"])
        lines.append("| %s | %s | %s | %s | %s | %s |" % (what, cell(engine, "berth", whole), cell(engine, "runc", whole),
                     ratio_of(engine, whole), cell(engine, "berth", own), cell(engine, "runc", own)))
    whole, own = (lambda r: r["pods"]["median_ms"]), (lambda r: r["own"]["own_ms_mean"])
    lines.append("| CRI pod start (RunPodSandbox, CreateContainer, StartContainer) | %s | %s | %s | %s | %s |" % (
        cell("cri", "berth", whole), cell("cri", "runc", whole), ratio_of("cri", whole),
        cell("cri", "berth", own), cell("cri", "runc", own)))
    down = lambda r: r["pods"]["teardown_median_ms"]
    lines += ["", "A pod's teardown (StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox): berth %s ms, "
              "runc %s ms (medians)." % (cell("cri", "berth", down), cell("cri", "runc", down)), ""]
    if rows.get("failed"):
        lines += ["Steps that failed during these runs (a figure they touch is n/a or from fewer runs):", ""]
        lines += ["- %s" % l for l in rows["failed"]] + [""]
    return "\n".join(lines)


def cleanup():
    for ctrl in os.listdir("/sys/fs/cgroup"):
        base = os.path.join("/sys/fs/cgroup", ctrl, CGROUP_PARENT)
        if os.path.isdir(base):
            for sub in sorted((os.path.join(r, d) for r, ds, _ in os.walk(base) for d in ds), key=len, reverse=True):
                try:
                    os.rmdir(sub)
                except OSError:
                    pass
            try:
                os.rmdir(base)
            except OSError:
                pass
    subprocess.run(["umount", STATE])
    shutil.rmtree(WORK, ignore_errors=True)


try:
    if SOAK_ONLY:
        text = soak_report(bench_soak())
        if OUT:
            open(OUT, "w").write(text)
        print(text)
        sys.exit(0)
    b = bundle("true")
    run, floor = bench_run(b)
    phases = bench_phases(b)
    execs = bench_exec(bundle("exec", ("/bin/sleep", "3600")))
    minmem = {"container": bench_min_memory(b, False), "runtime": bench_min_memory(b, True)}
    conc = bench_concurrency(b)
    sl = bench_state_list(bundle("wait", ("/bin/sleep", "3600")))
    text = report(run, floor, phases, execs, minmem, conc, sl)
    text += "\n" + engines_report(bench_engines())
    if SOAK:
        text += "\n" + soak_report(bench_soak())
    extra = os.path.join(os.path.dirname(OUT), "benchmarks-notes.md")
    if os.path.exists(extra):  # the hand-written analysis, kept across runs
        text += "\n" + open(extra).read()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    open(OUT, "w").write(text)
    plot(conc, os.path.join(os.path.dirname(OUT), "bench-concurrency.png"))
    print(text)
finally:
    cleanup()
