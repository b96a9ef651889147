#!/usr/bin/env bash
# The CRI path as the kubelet drives it: a private containerd with two
# runtime handlers, `berth` (BinaryName = the berth given here) and `runc`
# (the control), each the target of a RuntimeClass in a cluster. For each,
# integration/cri-client runs one pod: two containers sharing the pod's
# net and ipc namespaces and meeting on localhost, ExecSync, Exec with a
# tty over WebSocket, logs, stats, a resource update, an OOM kill, then
# stop and remove with nothing left behind (runtime root, cgroups, mounts,
# netns, processes). Run as root:
#   integration/cri-test.sh /path/to/berth
# Prints "ok N - ..." / "not ok N - ..." per step (the client's lines
# prefixed with the handler) and "N passed, N failed, N skipped"; exit
# status 0 only if nothing failed.
#
# Installs from Debian when missing: containerd, runc,
# containernetworking-plugins, protobuf-compiler (k8s-cri's build runs
# protoc). Builds the client in integration/cri-client/target (its own
# workspace and lock file). The images are docker archives made here from
# bundles/rootfs with tar and sha256sum: no registry is contacted.
#
# containerd runs in private mount and network namespaces, set up as the
# engine scripts set theirs up (engines-common.sh: tmpfs on /run for the
# shim sockets, a private /var/lib for libcni's cache, which containerd 1.6
# cannot move), with everything else under a temporary directory. The CNI
# bridge and the pods' addresses exist only in that network namespace, and
# nothing touches iptables (ipMasq false); the host's network is compared
# before and after. Pod cgroups go under /berth-cri-test-PID, removed at
# the end; every process the test started is ended by pid.
#
# CRI_BENCH=N also times N pod starts per handler on the same containerd
# (the client's --bench, one pod at a time, the handlers alternating) and
# prints, per handler, a line "# bench HANDLER: {"handler", "runs",
# "median_ms", "durations_ms", "teardown_median_ms"}"; then, through the
# handlers `berth-timed` and `runc-timed` (the same binaries behind a
# wrapper that records when each invocation starts and ends), 3 more pod
# starts each and a line "# bench-own HANDLER: {"runs", "own_ms_mean": the
# runtime's own wall time per pod start (its create and start calls, for
# the pause and the container), "calls": [verb, ms]...}" for the last one.
# It skips the scenario then, unless CRI_SCENARIO=1.
# CRI_KEEP=1 keeps the work directory.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=integration/engines-common.sh
. "$here/engines-common.sh"

PAUSE=localhost/berth-cri-pause:1
IMAGE=localhost/berth-cri-busybox:1
HANDLERS="berth runc"

# ------------------------------------------------------------------ outer part
if [ -z "${EC_INNER:-}" ]; then
    berth=$(readlink -f "${1:?usage: cri-test.sh /path/to/berth}")
    prog=$here/$(basename "$0")
    if [ "$(id -u)" != 0 ]; then notok "must run as root"; summary; exit 1; fi
    if [ ! -x "$berth" ]; then notok "$berth is not an executable file"; summary; exit 1; fi
    trap '' PIPE
    EC_W=$(mktemp -d /tmp/berth-cri.XXXXXX) || exit 1
    chmod 711 "$EC_W"
    EC_TAG=berth-cri-test-$$
    W=$EC_W TAG=$EC_TAG
    trap 'rm -rf --one-file-system "$EC_W"' EXIT

    need=()
    for tool in containerd:containerd ctr:containerd containerd-shim-runc-v2:containerd \
        runc:runc protoc:protobuf-compiler unshare:util-linux ip:iproute2; do
        command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
    done
    for plugin in bridge host-local loopback; do
        [ -x /usr/lib/cni/$plugin ] || need+=(containernetworking-plugins)
    done
    if [ ${#need[@]} -gt 0 ]; then
        mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
        if ! command -v apt-get >/dev/null 2>&1; then
            skip "the CRI scenario: not a Debian host, missing ${need[*]}"; summary; exit 0
        fi
        t0=$(now_ms)
        if ec_apt_install "${need[@]}"; then ok "install ${need[*]} from Debian ($(since "$t0") s)"
        else notok "install ${need[*]} from Debian"; tail -5 "$EC_W/apt.log" | comment; summary; exit 1; fi
    fi
    if [ ! -d /sys/fs/cgroup ] || ! grep -qE ' - cgroup2? ' /proc/self/mountinfo; then
        skip "the CRI scenario: no cgroup hierarchy is mounted"; summary; exit 0
    fi

    client_dir=$here/cri-client
    client=$client_dir/target/debug/berth-cri-client
    t0=$(now_ms)
    if out=$(cd "$client_dir" && ${CARGO:-cargo} build --locked --quiet \
        --manifest-path "$client_dir/Cargo.toml" --target-dir "$client_dir/target" 2>&1); then
        ok "build the CRI client ($(since "$t0") s)"
    else
        notok "build the CRI client"; echo "$out" | tail -20 | comment; summary; exit 1
    fi

    rootfs=$here/../bundles/rootfs   # made by make's rootfs target
    ec_host_net_snapshot >"$EC_W/host-net.before"

    # Docker archives (docker save's format) of one layer, bundles/rootfs;
    # ctr imports them by their RepoTags. Fixed owners and times: both
    # images share the layer, hence one snapshot.
    mkimage() { # mkimage REF CMD_JSON OUT
        local d=$W/img/${1//[^a-z0-9]/_} csha
        mkdir -p "$d" && ln "$W/img/layer.tar" "$d/layer.tar" || return 1
        printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
            "$2" "$lsha" >"$d/config.json" || return 1
        csha=$(sha256sum "$d/config.json" | cut -d' ' -f1)
        mv "$d/config.json" "$d/$csha.json"
        printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$csha" "$1" >"$d/manifest.json"
        tar -C "$d" -cf "$3" manifest.json "$csha.json" layer.tar
    }
    t0=$(now_ms)
    mkdir -p "$W/img"
    if [ -x "$rootfs/bin/busybox" ] &&
        tar --numeric-owner --owner=0 --group=0 --mtime=@0 --sort=name -C "$rootfs" -cf "$W/img/layer.tar" . &&
        lsha=$(sha256sum "$W/img/layer.tar" | cut -d' ' -f1) &&
        mkimage "$PAUSE" '["/bin/sleep","inf"]' "$W/pause.tar" &&
        mkimage "$IMAGE" '["/bin/sh"]' "$W/busybox.tar"; then
        ok "two images from bundles/rootfs as docker archives ($(since "$t0") s)"
    else
        notok "images from bundles/rootfs (is bundles/rootfs made?)"; summary; exit 1
    fi

    # overlayfs cannot stack on overlayfs; the snapshotter and the import
    # must agree.
    snapshotter=overlayfs
    [ "$(stat -f -c %T "$W")" = overlayfs ] && snapshotter=native
    runc=$(command -v runc)
    mkdir -p "$W/cni-conf" "$W/cni-data" "$W/pods" "$W/berth-root" "$W/runc-root"
    cat >"$W/config.toml" <<EOF
version = 2
root = "$W/root"
state = "$W/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "$W/containerd.sock"
[ttrpc]
  address = "$W/containerd.sock.ttrpc"
[debug]
  address = "$W/debug.sock"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$W/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$PAUSE"
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_tls_streaming = false
    # Pod netns pinned under the state dir, not in the host's /run/netns.
    netns_mounts_under_state_dir = true
    # The pause spec asks oom_score_adj -998; lowering it needs
    # CAP_SYS_RESOURCE, which this machine does not give root.
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$W/cni-conf"
      max_conf_num = 1
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "$snapshotter"
      default_runtime_name = "runc"
EOF
    # The handlers: berth and runc, and for the benchmark's own-time
    # figures the same two behind a wrapper that notes each invocation's
    # verb, start and end.
    ec_timed_wrapper berth "$berth"
    ec_timed_wrapper runc "$runc"
    for h in berth runc berth-timed runc-timed; do
        case $h in berth) bin=$berth ;; runc) bin=$runc ;; *) bin=$W/timed/${h%-timed} ;; esac
        cat >>"$W/config.toml" <<EOF
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$h]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$h.options]
          BinaryName = "$bin"
          Root = "$W/$h-root"
          SystemdCgroup = false
EOF
    done
    # A bridge in containerd's network namespace; no masquerading, no port
    # maps: no iptables rule anywhere, and no way out of that namespace.
    cat >"$W/cni-conf/10-berth-cri-test.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "berth-cri-test",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "berthcri0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": false,
      "ipam": {
        "type": "host-local",
        "dataDir": "$W/cni-data",
        "ranges": [[{ "subnet": "10.244.99.0/24" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
EOF
    trap 'exit 130' INT TERM
    trap - EXIT
    export CRI_BERTH="$berth" CRI_RUNC="$runc" CRI_CLIENT="$client" CRI_SNAPSHOTTER=$snapshotter
    ec_enter_private "$prog"
    # The pods' cgroups: the inner part removes what it made; ec_outer_end
    # says whether any is left, and whether the host's network is as it was.
    ec_outer_end
    summary
    [ "$EC_FAIL" = 0 ]
    exit
fi

# ------------------------------------------ inner part (private mount and net)
W=$EC_W TAG=$EC_TAG
CTR=(ctr --address "$W/containerd.sock" --namespace k8s.io)
trap '' PIPE
trap 'ec_inner_end' EXIT
trap 'exit 130' INT TERM
ec_setup_private || exit 1
# The private namespace's own mounts under $W (/var/lib's copy,
# resolv.conf): what the pods mount there must be gone at the end.
grep -F "$W" /proc/self/mountinfo | cut -d' ' -f4,5 >"$W/mounts.setup"

DAEMON_CMD=(containerd --config "$W/config.toml")
ec_start_daemon "containerd $(containerd --version | awk '{print $3}') in private namespaces" "${CTR[@]}" version || exit 1

imported=1
for tarball in "$W/pause.tar" "$W/busybox.tar"; do
    if ! out=$("${CTR[@]}" images import --snapshotter "$CRI_SNAPSHOTTER" "$tarball" 2>&1); then
        imported=0; echo "$out" | tail -5 | comment
    fi
done
if [ $imported = 1 ]; then ok "ctr -n k8s.io images import: $PAUSE, $IMAGE"
else notok "ctr -n k8s.io images import"; exit 1; fi

# With CRI_BENCH (make bench) the scenario is skipped unless CRI_SCENARIO=1:
# make test runs it.
scenario_handlers=$HANDLERS
if [ -n "${CRI_BENCH:-}" ] && [ "${CRI_SCENARIO:-0}" != 1 ]; then
    scenario_handlers=""; echo "# CRI_BENCH: the scenario is not run (CRI_SCENARIO=1 runs it too)"
fi
for h in $scenario_handlers; do
    case $h in berth) bin=$CRI_BERTH ;; runc) bin=$CRI_RUNC ;; esac
    echo "# handler $h: BinaryName $bin"
    "$CRI_CLIENT" --socket "$W/containerd.sock" --handler "$h" \
        --pause-image "$PAUSE" --image "$IMAGE" --log-dir "$W/pods" \
        --cgroup-parent "/$TAG/$h" --runtime-binary "$bin" --runtime-root "$W/$h-root/k8s.io" \
        --netns-dir "$W/state/io.containerd.grpc.v1.cri/netns" 2>&1 |
        sed -u "s/^/[$h] /" | tee "$W/$h.out"
    counted=$(sed -n "s/^\[$h\] \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p" "$W/$h.out")
    if [ -n "$counted" ]; then
        read -r p f s <<<"$counted"
        EC_PASS=$((EC_PASS + p)) EC_FAIL=$((EC_FAIL + f)) EC_SKIP=$((EC_SKIP + s)) EC_N=$((EC_N + p + f + s))
    else
        notok "the client for $h ended without its count"
    fi
done

# Pod starts (the client's --bench N, default 1) with handler $1; its JSON.
bench_pods() {
    "$CRI_CLIENT" --socket "$W/containerd.sock" --handler "$1" --pause-image "$PAUSE" \
        --image "$IMAGE" --log-dir "$W/pods" --cgroup-parent "/$TAG/bench-$1" --bench "${2:-1}" 2>&1
}

if [ -n "${CRI_BENCH:-}" ]; then
    for i in $(seq "$CRI_BENCH"); do
        for h in $HANDLERS; do
            if out=$(bench_pods "$h"); then echo "$out" >>"$W/bench-$h.jsonl"
            else notok "pod start $i for $h"; echo "$out" | comment; fi
        done
    done
    for h in $HANDLERS; do
        if [ ! -s "$W/bench-$h.jsonl" ]; then notok "no pod start of $h succeeded"; continue; fi
        python3 - "$h" "$W/bench-$h.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
ms = [r["durations_ms"][0] for r in runs]
down = [r["teardown_ms"][0] for r in runs]
print("# bench %s: %s" % (sys.argv[1], json.dumps({"handler": sys.argv[1], "runs": len(ms),
      "median_ms": statistics.median(ms), "durations_ms": ms, "teardown_median_ms": statistics.median(down)})))
PY
        : >"$W/timed/$h.log"
        if out=$(bench_pods "$h-timed" 3); then
            python3 - "$h" "$W/timed/$h.log" "$out" <<'PY'
import json, sys
calls = [(v, (float(e) - float(s)) * 1000) for s, e, v in (l.split() for l in open(sys.argv[2]) if l.strip())]
runs = json.loads(sys.argv[3])["runs"]
own = sum(ms for v, ms in calls if v in ("create", "start")) / runs
print("# bench-own %s: %s" % (sys.argv[1], json.dumps({"runs": runs, "own_ms_mean": round(own, 1),
      "calls": [[v, round(ms, 1)] for v, ms in calls if v in ("create", "start")][-4:]})))
PY
        else
            notok "pod starts through the timing wrapper for $h"; echo "$out" | comment
        fi
    done
fi

t0=$(now_ms)
ec_stop_daemons
# With every pod removed, nothing of the test may still run: no shim, no
# container.
sleep 0.5
left=$(ec_ours)
if [ -z "$left" ]; then
    ok "containerd stopped, no process of the test left ($(since "$t0") s)"
else
    notok "processes left after containerd stopped"
    for pid in $left; do echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"; done | comment
fi
left=$(grep -F "$W" /proc/self/mountinfo | cut -d' ' -f4,5 | grep -vxF -f "$W/mounts.setup")
if [ -z "$left" ]; then ok "no mount left under $W"
else notok "mounts left under $W"; echo "$left" | comment; fi
exit 0
