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
# containerd runs in private mount and network namespaces (unshare), with
# everything under a temporary directory, tmpfs on /run (shim sockets) and
# on /var/lib/cni (libcni's cache, which containerd 1.6 cannot move). The
# CNI bridge and the pods' addresses exist only in that network namespace,
# and nothing touches iptables (ipMasq false). Pod cgroups go under
# /berth-cri-test-PID, removed at the end; every process the test started
# is ended by pid.
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

pass=0 fail=0 skip=0 n=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
skipped() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $* # SKIP $why"; }
summary() { echo "$pass passed, $fail failed, $skip skipped"; }
comment() { sed 's/^/#   /'; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

PAUSE=localhost/berth-cri-pause:1
IMAGE=localhost/berth-cri-busybox:1
HANDLERS="berth runc"

# ------------------------------------------------------------------ outer part
if [ -z "${CRI_INNER:-}" ]; then
    berth=$(readlink -f "${1:?usage: cri-test.sh /path/to/berth}")
    here=$(cd "$(dirname "$0")" && pwd)
    prog=$here/$(basename "$0")
    if [ "$(id -u)" != 0 ]; then notok "must run as root"; summary; exit 1; fi
    if [ ! -x "$berth" ]; then notok "$berth is not an executable file"; summary; exit 1; fi
    trap '' PIPE

    need=""
    for tool in containerd:containerd ctr:containerd containerd-shim-runc-v2:containerd \
        runc:runc protoc:protobuf-compiler unshare:util-linux ip:iproute2; do
        command -v "${tool%%:*}" >/dev/null 2>&1 || need="$need ${tool#*:}"
    done
    for plugin in bridge host-local loopback; do
        [ -x /usr/lib/cni/$plugin ] || need="$need containernetworking-plugins"
    done
    need=$(echo "$need" | tr ' ' '\n' | sort -u | tr '\n' ' ')
    if [ -n "${need// /}" ]; then
        if ! command -v apt-get >/dev/null 2>&1; then
            why="not a Debian host: missing$need"
            skipped "the CRI scenario"; summary; exit 0
        fi
        echo "# installing: $need"
        t0=$(now)
        # shellcheck disable=SC2086
        if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null 2>&1 || {
            apt-get update -qq >/dev/null 2>&1
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null 2>&1
        }; then
            ok "install$need from Debian ($(since "$t0") s)"
        else
            notok "install$need from Debian"; summary; exit 1
        fi
    fi
    if [ ! -d /sys/fs/cgroup ] || ! grep -qE ' - cgroup2? ' /proc/self/mountinfo; then
        why="no cgroup hierarchy is mounted"
        skipped "the CRI scenario"; summary; exit 0
    fi

    client_dir=$here/cri-client
    client=$client_dir/target/debug/berth-cri-client
    t0=$(now)
    if out=$(cd "$client_dir" && ${CARGO:-cargo} build --locked --quiet \
        --manifest-path "$client_dir/Cargo.toml" --target-dir "$client_dir/target" 2>&1); then
        ok "build the CRI client ($(since "$t0") s)"
    else
        notok "build the CRI client"; echo "$out" | tail -20 | comment; summary; exit 1
    fi

    rootfs=$here/../bundles/rootfs
    if [ ! -x "$rootfs/bin/busybox" ]; then
        "$here/../bundles/make-rootfs.sh" "$rootfs" >/dev/null 2>&1
    fi

    W=$(mktemp -d /tmp/berth-cri.XXXXXX) || exit 1
    chmod 711 "$W"
    TAG=berth-cri-test-$$
    cleanup_outer() {
        [ "${vlc_made:-0}" = 1 ] && rmdir /var/lib/cni 2>/dev/null
        # The pods' cgroups: the client removes what it made; this catches
        # what a failure left.
        local d left=0
        for d in /sys/fs/cgroup/*/"$TAG" /sys/fs/cgroup/"$TAG"; do
            [ -d "$d" ] || continue
            find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
            [ -d "$d" ] && left=1
        done
        [ $left = 0 ] || echo "# could not remove all of /sys/fs/cgroup/*/$TAG"
        if [ -n "${CRI_KEEP:-}" ]; then echo "# work dir kept: $W"; else rm -rf --one-file-system "$W"; fi
    }

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
    t0=$(now)
    mkdir -p "$W/img"
    if [ -x "$rootfs/bin/busybox" ] &&
        tar --numeric-owner --owner=0 --group=0 --mtime=@0 --sort=name -C "$rootfs" -cf "$W/img/layer.tar" . &&
        lsha=$(sha256sum "$W/img/layer.tar" | cut -d' ' -f1) &&
        mkimage "$PAUSE" '["/bin/sleep","inf"]' "$W/pause.tar" &&
        mkimage "$IMAGE" '["/bin/sh"]' "$W/busybox.tar"; then
        ok "two images from bundles/rootfs as docker archives ($(since "$t0") s)"
    else
        notok "images from bundles/rootfs"; summary; cleanup_outer; exit 1
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
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.berth]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.berth.options]
          BinaryName = "$berth"
          Root = "$W/berth-root"
          SystemdCgroup = false
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          BinaryName = "$runc"
          Root = "$W/runc-root"
          SystemdCgroup = false
EOF
    # For the benchmark's own-time figures: the same runtimes behind a
    # wrapper that notes each invocation's verb, start and end.
    for h in berth runc; do
        real=$berth; [ $h = runc ] && real=$runc
        cat >"$W/$h-timed" <<EOF
#!/bin/bash
s=\${EPOCHREALTIME/./}
"$real" "\$@"; rc=\$?
e=\${EPOCHREALTIME/./}
verb=?
for a in "\$@"; do case \$a in create|start|kill|delete|exec|state|update|pause|resume|ps) verb=\$a; break ;; esac; done
echo "\$verb \$s \$e" >>"$W/$h-timed.log"
exit \$rc
EOF
        chmod 755 "$W/$h-timed"
        cat >>"$W/config.toml" <<EOF
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$h-timed]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$h-timed.options]
          BinaryName = "$W/$h-timed"
          Root = "$W/$h-timed-root"
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
    # The mount point for the tmpfs of the inner part.
    vlc_made=0
    if [ ! -e /var/lib/cni ]; then mkdir -p /var/lib/cni && vlc_made=1; fi
    trap 'exit 130' INT TERM
    trap 'cleanup_outer' EXIT

    CRI_INNER=1 CRI_W="$W" CRI_TAG="$TAG" CRI_N=$n CRI_PASS=$pass CRI_FAIL=$fail CRI_SKIP=$skip \
        CRI_BERTH="$berth" CRI_RUNC="$runc" CRI_CLIENT="$client" CRI_SNAPSHOTTER=$snapshotter \
        unshare --mount --net --propagation private bash "$prog"
    rc=$?
    if read -r n pass fail skip 2>/dev/null <"$W/counts"; then
        [ $rc = 0 ] || [ "$fail" != 0 ] || { notok "the inner part ended with status $rc"; }
    else
        notok "the inner part ended with status $rc before its count"
    fi
    cleanup_outer
    trap - EXIT
    summary
    [ "$fail" = 0 ]
    exit
fi

# ------------------------------------------ inner part (private mount and net)
W=$CRI_W TAG=$CRI_TAG n=$CRI_N pass=$CRI_PASS fail=$CRI_FAIL skip=$CRI_SKIP
MYNS=$(readlink /proc/self/ns/mnt)
CTR=(ctr --address "$W/containerd.sock" --namespace k8s.io)
containerd_pid=""

counts() { echo "$n $pass $fail $skip" >"$W/counts"; }
trap '' PIPE

# /run: shim sockets (/run/containerd/s/...) and runc's default root are
# fixed paths. /var/lib/cni: libcni's result cache.
if ! mount -t tmpfs -o mode=755,size=64m berth-cri-run /run ||
    ! mount -t tmpfs -o mode=755,size=16m berth-cri-cni /var/lib/cni ||
    ! ip link set lo up; then
    notok "private /run, /var/lib/cni and loopback"; counts; exit 1
fi

# Processes of the test: those in this mount namespace (containerd, the
# shims) and those in the pods' cgroups (the containers), never others.
ours() {
    local d pid
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        [ "$pid" = $$ ] && continue
        [ "$(awk '{print $4}' "$d/stat" 2>/dev/null)" = $$ ] && continue # our own pipelines
        if [ "$(readlink "$d/ns/mnt" 2>/dev/null)" = "$MYNS" ] || grep -q ":/$TAG/" "$d/cgroup" 2>/dev/null; then
            echo "$pid"
        fi
    done
}
stop_containerd() {
    local i
    [ -n "$containerd_pid" ] || return 0
    kill -TERM "$containerd_pid" 2>/dev/null
    for i in $(seq 1 150); do kill -0 "$containerd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$containerd_pid" 2>/dev/null
    wait "$containerd_pid" 2>/dev/null
    containerd_pid=""
}
final_cleanup() {
    local sig pid left
    stop_containerd
    for sig in TERM KILL; do
        left=$(ours)
        [ -z "$left" ] && break
        for pid in $left; do kill -$sig "$pid" 2>/dev/null; done
        sleep 1
    done
}
trap 'final_cleanup; counts' EXIT
trap 'exit 130' INT TERM

t0=$(now)
containerd --config "$W/config.toml" >"$W/containerd.log" 2>&1 &
containerd_pid=$!
up=0
for _ in $(seq 1 300); do
    if "${CTR[@]}" version >/dev/null 2>&1; then up=1; break; fi
    kill -0 "$containerd_pid" 2>/dev/null || break
    sleep 0.1
done
if [ $up = 1 ]; then
    ok "containerd $(containerd --version | awk '{print $3}') started in private namespaces ($(since "$t0") s)"
else
    notok "containerd did not start"; tail -8 "$W/containerd.log" | comment; exit 1
fi

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
        pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s)) n=$((n + p + f + s))
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
        : >"$W/$h-timed.log"
        if out=$(bench_pods "$h-timed" 3); then
            python3 - "$h" "$W/$h-timed.log" "$out" <<'PY'
import json, sys
calls = [(v, (int(e) - int(s)) / 1000) for v, s, e in (l.split() for l in open(sys.argv[2]) if l.strip())]
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

t0=$(now)
stop_containerd
# With every pod removed, nothing of the test may still run: no shim, no
# container.
sleep 0.5
left=$(ours)
if [ -z "$left" ]; then
    ok "containerd stopped, no process of the test left ($(since "$t0") s)"
else
    notok "processes left after containerd stopped"
    for pid in $left; do echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"; done | comment
fi
left=$(grep -F "$W" /proc/self/mountinfo)
if [ -z "$left" ]; then ok "no mount left under $W"
else notok "mounts left under $W"; echo "$left" | comment; fi
exit 0
