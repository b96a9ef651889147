#!/usr/bin/env python3
"""Seccomp benchmark: berth beside crun under containers-common's profile.

Reports, for each runtime: the BPF instruction count of the filter it
installs (read from the running container with PTRACE_SECCOMP_GET_FILTER),
and the median `run true` time with and without the profile (the difference
is what compiling and installing the filter costs). For berth it also reports
the compile time it logs at debug level. Run as root:

    integration/bench-seccomp.py [RUNS]

Runs inside a private mount namespace with /sys/fs/cgroup/unified hidden,
since crun refuses hybrid cgroup hosts. Prints a Markdown table.
"""
import ctypes, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 30

if os.environ.get("_BENCH_INNER") != "1":
    os.environ["_BENCH_INNER"] = "1"
    os.execvp("unshare", ["unshare", "-m", "--propagation", "private", sys.executable] + sys.argv)

if os.path.isdir("/sys/fs/cgroup/unified"):
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/sys/fs/cgroup/unified"], check=True)

berth = os.environ.get("BERTH") or os.path.join(TOP, "target/x86_64-unknown-linux-gnu/release/berth")
crun = shutil.which("crun")
if not crun:
    subprocess.run(["apt-get", "install", "-y", "-qq", "crun"], check=True)
    crun = shutil.which("crun")

work = tempfile.mkdtemp(prefix="bench-seccomp-")
shutil.copytree(os.path.join(TOP, "bundles/rootfs"), os.path.join(work, "rootfs"), symlinks=True)
profile = json.loads(subprocess.run([os.path.join(HERE, "containers-common-to-oci.py")], check=True, capture_output=True).stdout)


def config(args, seccomp):
    c = json.load(open(os.path.join(TOP, "bundles/config.json")))
    c["ociVersion"] = "1.0.2"  # what crun 1.8 accepts
    c["process"]["args"] = args
    c["root"] = {"path": os.path.join(work, "rootfs"), "readonly": True}
    c["linux"]["cgroupsPath"] = "/bench-seccomp"
    if seccomp:
        c["linux"]["seccomp"] = profile
    else:
        c["linux"].pop("seccomp", None)
    json.dump(c, open(os.path.join(work, "config.json"), "w"))


libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long


def filter_length(pid):
    PTRACE_ATTACH, PTRACE_DETACH, PTRACE_SECCOMP_GET_FILTER = 16, 17, 0x420C
    if libc.ptrace(PTRACE_ATTACH, pid, None, None) != 0:
        return "attach failed: %s" % os.strerror(ctypes.get_errno())
    os.waitpid(pid, 0x40000000)  # __WALL
    n = libc.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, None, None)
    err = ctypes.get_errno()
    libc.ptrace(PTRACE_DETACH, pid, None, None)
    return n if n >= 0 else "get filter failed: %s" % os.strerror(err)


def instructions(runtime):
    root = os.path.join(work, "state-" + os.path.basename(runtime))
    config(["/bin/sleep", "30"], True)
    subprocess.run([runtime, "--root", root, "run", "-d", "--bundle", work, "b"], check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid = json.loads(subprocess.run([runtime, "--root", root, "state", "b"], capture_output=True, check=True).stdout)["pid"]
    n = filter_length(pid)
    subprocess.run([runtime, "--root", root, "delete", "--force", "b"], check=True)
    return n


def median_run(runtime, seccomp):
    root = os.path.join(work, "state-" + os.path.basename(runtime))
    config(["/bin/true"], seccomp)
    times = []
    for i in range(RUNS):
        t = time.perf_counter()
        subprocess.run([runtime, "--root", root, "run", "--bundle", work, "r%d" % i], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def berth_compile_us():
    config(["/bin/true"], True)
    log = os.path.join(work, "debug.log")
    subprocess.run([berth, "--root", os.path.join(work, "state-berth"), "--debug", "--log", log, "run", "--bundle", work, "c"],
                   check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    m = re.search(r"compiled (\d+) BPF instructions in (\d+) us", open(log).read())
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


rows = []
for name, runtime in (("berth", berth), ("crun", crun)):
    # Alternate with and without the profile so drift hits both alike.
    rows.append((name, instructions(runtime), median_run(runtime, False), median_run(runtime, True)))
compiled, compile_us = berth_compile_us()
print("| runtime | BPF instructions installed | `run true` without profile (ms) | with profile (ms) | difference (ms) |")
print("|---|---|---|---|---|")
for name, n, without, with_ in rows:
    print("| %s | %s | %.2f | %.2f | %.2f |" % (name, n, without, with_, with_ - without))
print()
print("berth compiles the profile (%s instructions) in %s us; %d runs each, medians." % (compiled, compile_us, RUNS))
shutil.rmtree(work, ignore_errors=True)
for d in ("/sys/fs/cgroup/%s/bench-seccomp" % c for c in os.listdir("/sys/fs/cgroup")):
    try:
        os.rmdir(d)
    except OSError:
        pass
