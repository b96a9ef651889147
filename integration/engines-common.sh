# Sourced by engine-networks.sh and bench-engines.sh: Docker (dockerd and the
# containerd it starts) and rootful podman with their real networking ON,
# confined to a network and mount namespace of our own.
#
# The caller runs twice: once on the host ("outer": root check, packages,
# a snapshot of the host's network, then ec_enter_private), and once inside
# `unshare --net --mount` ("inner", EC_INNER=1), where it calls
# ec_setup_private. Inside, the bridges, veths, iptables (nft) rules,
# ip_forward and bridge-nf-call-iptables belong to that network namespace
# only; it has no link to the outside, so packets can reach nothing but
# loopback and the containers' namespaces. /run, /var/lib (podman's and
# CNI's fixed state paths) and /etc/resolv.conf are shadowed in the mount
# namespace, so nothing the engines write lands on the host.
#
# Knobs: EC_KEEP=1 keeps the work dir; EC_TIMEOUT per command (default 60 s).

EC_IMG_DOCKER=berth-busybox:latest
EC_IMG_PODMAN=localhost/berth-busybox:latest
EC_PAGE=berth-engines-page-4711      # what the image's httpd serves at /
EC_DOCKER=/usr/bin/docker            # Debian's client (a newer one may be first in PATH)
EC_RUNC=/usr/sbin/runc
EC_BRIDGE_NET=10.213.0               # docker0 (its gateway also serves as the "DNS server")

# ---------------------------------------------------------------- report lines
# ok/notok/skip print on EC_TAP_FD (1; the benchmark sets 2 to keep stdout JSON).
EC_N=${EC_N:-0} EC_PASS=${EC_PASS:-0} EC_FAIL=${EC_FAIL:-0} EC_SKIP=${EC_SKIP:-0}
ec_say() { echo "$*" >&"${EC_TAP_FD:-1}"; }
ok() { EC_N=$((EC_N + 1)); EC_PASS=$((EC_PASS + 1)); ec_say "ok $EC_N - $*"; }
notok() { EC_N=$((EC_N + 1)); EC_FAIL=$((EC_FAIL + 1)); ec_say "not ok $EC_N - $*"; }
skip() { EC_N=$((EC_N + 1)); EC_SKIP=$((EC_SKIP + 1)); ec_say "ok $EC_N - $* # SKIP"; }
summary() { ec_say "$EC_PASS passed, $EC_FAIL failed, $EC_SKIP skipped"; }
comment() { sed 's/^/#   /' >&"${EC_TAP_FD:-1}"; }
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }   # bash's clock: no fork of date
since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

# run CMD...: with a timeout; output in OUT (and the log), status in RC.
run() {
    echo "\$ $*" >>"$EC_W/commands.log"
    OUT=$(timeout -k 5 "${EC_TIMEOUT:-60}" "$@" 2>&1)
    RC=$?
    printf '%s\n[rc=%s]\n' "$OUT" "$RC" >>"$EC_W/commands.log"
    return $RC
}
tail_out() { printf '%s\n' "$OUT" | tail -"${1:-6}" | comment; }

# ---------------------------------------------------------------- outer part
ec_apt_install() { # PKG...: retries while another apt or dpkg holds the lock
    local i log="$EC_W/apt.log" updated=0
    for i in $(seq 1 40); do
        if DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >"$log.try" 2>&1; then
            cat "$log.try" >>"$log"; return 0
        fi
        cat "$log.try" >>"$log"
        if grep -qE 'Could not get lock|Unable to acquire the dpkg|Unable to lock' "$log.try"; then
            sleep 5; continue
        fi
        if [ $updated = 0 ] && grep -qE 'Unable to locate package|no installation candidate|Failed to fetch' "$log.try"; then
            apt-get update >>"$log" 2>&1; updated=1; continue
        fi
        return 1
    done
    return 1
}

ec_static_busybox() { [ -x /bin/busybox ] && ldd /bin/busybox 2>&1 | grep -q 'not a dynamic'; }

# What Docker's bridge driver (iptables, docker-proxy from docker.io), podman's
# CNI networking (containernetworking-plugins' bridge, portmap, firewall,
# host-local) and the image (a static busybox with httpd) need.
ec_install() {
    local pkgs=() t0
    command -v unshare >/dev/null || pkgs+=(util-linux)
    command -v ip >/dev/null || pkgs+=(iproute2)
    command -v iptables >/dev/null || pkgs+=(iptables)
    command -v nft >/dev/null || pkgs+=(nftables)     # only to compare the host's ruleset
    ec_static_busybox || pkgs+=(busybox-static)
    { [ -x "$EC_DOCKER" ] && command -v dockerd >/dev/null && command -v docker-proxy >/dev/null; } || pkgs+=(docker.io)
    command -v containerd >/dev/null || pkgs+=(containerd)
    [ -x "$EC_RUNC" ] || pkgs+=(runc)
    { command -v podman >/dev/null && command -v conmon >/dev/null; } || pkgs+=(podman)
    [ -x /usr/lib/cni/portmap ] || pkgs+=(containernetworking-plugins)
    if [ ${#pkgs[@]} = 0 ]; then ok "install: engines, iptables, nftables, CNI plugins and busybox-static already there"; return 0; fi
    t0=$(now_ms)
    if ec_apt_install "${pkgs[@]}"; then ok "install ${pkgs[*]} from Debian ($(since "$t0")s)"
    else notok "install ${pkgs[*]} from Debian"; tail -5 "$EC_W/apt.log" | comment; return 1; fi
}

# The host's network state, compared after the run: rules without their
# counters, links, addresses, routes and the sysctls the engines turn on.
ec_host_net_snapshot() {
    {
        iptables-save 2>/dev/null; ip6tables-save 2>/dev/null
        command -v iptables-legacy-save >/dev/null && iptables-legacy-save 2>/dev/null
        command -v nft >/dev/null && nft list ruleset 2>/dev/null
        ip -br link; ip -br addr; ip route; ip -6 route
        sysctl -n net.ipv4.ip_forward
        cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null
    } | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//g'
}

# ec_outer_begin: root, a work dir, the packages, the host's snapshot.
ec_outer_begin() {
    if [ "$(id -u)" != 0 ]; then notok "must run as root"; summary; exit 1; fi
    EC_W=$(mktemp -d /tmp/berth-engines.XXXXXX) || exit 1
    chmod 711 "$EC_W"                 # containers' users must reach the bind-mounted dirs
    EC_TAG=berth-engines-$$           # the cgroup parent of every container
    ec_install || { summary; rm -rf "$EC_W"; exit 1; }
    ec_host_net_snapshot >"$EC_W/host-net.before"
}

# ec_enter_private SCRIPT ARGS...: re-run SCRIPT inside a new network and
# mount namespace; the report counters travel through the environment and
# come back in $EC_W/counts. An inner part that failed without saying so
# in a step (it died, or ended before its count) is a failed step here.
ec_enter_private() {
    local script=$1 rc; shift
    EC_INNER=1 EC_W="$EC_W" EC_TAG="$EC_TAG" EC_N=$EC_N EC_PASS=$EC_PASS EC_FAIL=$EC_FAIL EC_SKIP=$EC_SKIP \
        unshare --net --mount --propagation private bash "$script" "$@"
    rc=$?
    if [ -s "$EC_W/counts" ]; then
        read -r EC_N EC_PASS EC_FAIL EC_SKIP <"$EC_W/counts"
    else
        notok "the inner part ended with status $rc before its count"
    fi
    [ $rc = 0 ] || [ "$EC_FAIL" != 0 ] || notok "the inner part ended with status $rc"
    return $rc
}

# ec_outer_end: the host is as before (network, mounts, cgroups); the work
# dir goes.
ec_outer_end() {
    local d left=""
    ec_host_net_snapshot >"$EC_W/host-net.after"
    if cmp -s "$EC_W/host-net.before" "$EC_W/host-net.after"; then
        ok "host network unchanged: iptables-save, ip6tables-save, nft list ruleset, ip link/addr/route, ip_forward=$(sysctl -n net.ipv4.ip_forward), bridge-nf-call-iptables=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)"
    else
        notok "host network changed during the run"; diff "$EC_W/host-net.before" "$EC_W/host-net.after" | head -20 | comment
    fi
    if grep -qE "$EC_W|berth-engines-" /proc/self/mountinfo; then
        notok "mounts left on the host"; grep -E "$EC_W|berth-engines-" /proc/self/mountinfo | head -5 | comment
    else ok "no mount left on the host (all were in the private mount namespace)"; fi
    for d in /sys/fs/cgroup/*/"$EC_TAG" /sys/fs/cgroup/"$EC_TAG"; do [ -d "$d" ] && left="$left $d"; done
    if [ -z "$left" ]; then ok "cgroups under /$EC_TAG removed"; else notok "cgroups left:$left"; fi
    if [ -n "${EC_KEEP:-}" ]; then ec_say "# work dir kept: $EC_W"; else rm -rf --one-file-system "$EC_W"; fi
}

# ---------------------------------------------------------------- inner part
EC_DAEMON_PIDS=()

# ec_setup_private: loopback up, private /run, /var/lib and resolv.conf.
ec_setup_private() {
    cd "$EC_W" || exit 1    # conmon drops files into its cwd
    EC_NETNS=$(readlink /proc/self/ns/net)
    EC_MNTNS=$(readlink /proc/self/ns/mnt)
    ip link set lo up || { notok "loopback up in the private netns"; return 1; }
    # Engines and runtimes keep state in /run (sockets, netns files, runtime roots).
    mount -t tmpfs -o mode=755,size=64m berth-engines-run /run || { notok "private /run"; return 1; }
    mkdir -p /run/lock
    # podman and CNI write to fixed paths under /var/lib (containers/cache,
    # cni/networks, cni/results). A tmpfs replaces /var/lib here, holding
    # symlinks to the host's entries, so nothing is created on the host.
    mkdir -p "$EC_W/varlib"
    mount --rbind /var/lib "$EC_W/varlib" &&
        mount -t tmpfs -o mode=755,size=16m berth-engines-varlib /var/lib || { notok "private /var/lib"; return 1; }
    local e
    for e in "$EC_W"/varlib/* "$EC_W"/varlib/.[!.]*; do [ -e "$e" ] || [ -L "$e" ] && ln -s "$e" "/var/lib/${e##*/}"; done
    rm -f /var/lib/containers /var/lib/cni
    mkdir -p /var/lib/containers /var/lib/cni
    # The host's nameserver is outside; name lookups the engines forward go
    # to docker0's address instead, which answers "port unreachable".
    echo "nameserver $EC_BRIDGE_NET.1" >"$EC_W/resolv.conf"
    mount --bind "$EC_W/resolv.conf" /etc/resolv.conf || { notok "private resolv.conf"; return 1; }
    export TMPDIR="$EC_W/tmp"
    mkdir -p "$TMPDIR" "$EC_W/docker/client"
    ok "private network and mount namespace: only lo, private /run, /var/lib, /etc/resolv.conf"
}

# ec_image_tar: $EC_W/image/rootfs.tar, busybox-static with every applet linked,
# and an index page for httpd under /www.
ec_image_tar() {
    local r="$EC_W/image/rootfs" a
    mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp,root,run,www} || return 1
    cp /bin/busybox "$r/bin/busybox" || return 1
    for a in $("$r/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
    echo 'root:x:0:' >"$r/etc/group"
    echo "$EC_PAGE" >"$r/www/index.html"
    chmod 1777 "$r/tmp"
    tar --numeric-owner --owner=0 --group=0 -C "$r" -cf "$EC_W/image/rootfs.tar" .
}

# ec_wrapper NAME RUNTIME LOG: NAME (podman keys behaviour on the basename)
# logs its arguments, then execs RUNTIME; proof that the engine called it.
ec_wrapper() {
    mkdir -p "$EC_W/rt"
    cat >"$EC_W/rt/$1" <<EOF
#!/bin/sh
echo "\$*" >>"$3"
exec "$2" "\$@"
EOF
    chmod 755 "$EC_W/rt/$1"
    echo "$EC_W/rt/$1"
}

# ec_timed_wrapper NAME RUNTIME: $EC_W/timed/NAME (the runtime's basename, as
# podman keys behaviour on it) runs RUNTIME and appends "START END VERB" to
# $EC_W/timed/NAME.log (EPOCHREALTIME seconds; the verb is the first
# argument that is not a global option or its value).
ec_timed_wrapper() {
    mkdir -p "$EC_W/timed"
    cat >"$EC_W/timed/$1" <<EOF
#!/bin/bash
s=\$EPOCHREALTIME
"$2" "\$@"
rc=\$?
e=\$EPOCHREALTIME
v="" skip=0
for a in "\$@"; do
    if [ \$skip = 1 ]; then skip=0; continue; fi
    case \$a in --root | --log | --log-format | --criu | --rootless) skip=1 ;; -*) ;; *) v=\$a; break ;; esac
done
echo "\$s \$e \$v" >>"$EC_W/timed/$1.log"
exit \$rc
EOF
    chmod 755 "$EC_W/timed/$1"
}
# ec_start_daemon NAME READY_CMD...: start DAEMON_CMD, wait up to 30 s.
ec_start_daemon() {
    local name=$1 t0 pid i; shift
    t0=$(now_ms)
    "${DAEMON_CMD[@]}" >"$EC_W/$name.log" 2>&1 &
    pid=$!
    EC_DAEMON_PIDS+=("$pid")
    for i in $(seq 1 300); do
        if "$@" >/dev/null 2>&1; then ok "$name started (pid $pid, ready in $(since "$t0")s)"; return 0; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    notok "$name did not start"; tail -8 "$EC_W/$name.log" | comment; return 1
}

# ec_dockerd RUNTIMES_JSON DEFAULT: dockerd with the bridge, iptables,
# ip_forward and masquerading on (all inside this netns), fixed address
# ranges, cgroupfs under /$EC_TAG; D is the client's command line.
ec_dockerd() {
    mkdir -p "$EC_W/docker"
    cat >"$EC_W/docker/daemon.json" <<EOF
{
  "data-root": "$EC_W/docker/data",
  "exec-root": "$EC_W/docker/exec",
  "pidfile": "$EC_W/docker/docker.pid",
  "deprecated-key-path": "$EC_W/docker/key.json",
  "hosts": ["unix://$EC_W/docker/docker.sock"],
  "iptables": true,
  "ip-forward": true,
  "ip-masq": true,
  "bip": "$EC_BRIDGE_NET.1/24",
  "default-address-pools": [{ "base": "10.214.0.0/16", "size": 24 }],
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "cgroup-parent": "/$EC_TAG",
  "storage-driver": "overlay2",
  "runtimes": $1,
  "default-runtime": "$2"
}
EOF
    # DOCKER_CONFIG only for docker: podman reads auth from it too.
    D=(env DOCKER_CONFIG="$EC_W/docker/client" "$EC_DOCKER" -H "unix://$EC_W/docker/docker.sock")
    DAEMON_CMD=(dockerd --config-file "$EC_W/docker/daemon.json")
    ec_start_daemon dockerd "${D[@]}" version || return 1
    run "${D[@]}" import --change 'CMD ["/bin/sh"]' "$EC_W/image/rootfs.tar" "$EC_IMG_DOCKER" ||
        { notok "docker import the busybox image"; tail_out; return 1; }
}

# ec_podman: rootful podman, all its state in $EC_W, CNI configs in
# $EC_W/podman/net, containers under /$EC_TAG; P is its command line
# without --runtime.
ec_podman() {
    mkdir -p "$EC_W/podman"/{storage,run,tmp,net,volumes}
    cat >"$EC_W/podman/containers.conf" <<EOF
[containers]
# podman's rootful default raises hard limits; that needs CAP_SYS_RESOURCE.
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$EC_W/podman/tmp"
volume_path = "$EC_W/podman/volumes"
[network]
network_config_dir = "$EC_W/podman/net"
EOF
    cat >"$EC_W/podman/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$EC_W/podman/storage"
runroot = "$EC_W/podman/run"
EOF
    export CONTAINERS_CONF="$EC_W/podman/containers.conf" CONTAINERS_STORAGE_CONF="$EC_W/podman/storage.conf"
    P=(podman --root "$EC_W/podman/storage" --runroot "$EC_W/podman/run" --tmpdir "$EC_W/podman/tmp"
        --cgroup-manager cgroupfs --events-backend file)
    run "${P[@]}" import --change 'CMD ["/bin/sh"]' "$EC_W/image/rootfs.tar" "$EC_IMG_PODMAN" ||
        { notok "podman import the busybox image"; tail_out; return 1; }
}

# http_get HOST PORT: GET / from this netns (the engines' "host") with
# busybox nc (Debian's static busybox wget crashes at start); at most 25
# tries, 2 s each, 0.2 s apart, as a server may need a moment to listen.
EC_GET='printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2'     # in a container: append HOST PORT
http_get() {
    local i
    for i in $(seq 1 25); do
        OUT=$(printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 /bin/busybox nc -w 2 "$1" "$2" 2>&1 | tr -d '\r')
        case "$OUT" in *" 200 OK"*) return 0 ;; esac
        sleep 0.2
    done
    return 1
}

ec_stop_daemons() { # SIGTERM, SIGKILL after 15 s; 1 if one needed SIGKILL
    local pid i rc=0
    for pid in "${EC_DAEMON_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || continue
        for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; rc=1; fi
        wait "$pid" 2>/dev/null
    done
    EC_DAEMON_PIDS=()
    return $rc
}

# ec_ours: PIDs of what we started and is still there: every process in our
# network or mount namespace (shims, docker-proxy, conmon, host-network
# containers) or in a cgroup under /$EC_TAG, but not this shell's own.
ec_ours() {
    local d pid
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
        case "$(awk '{print $4}' "$d/stat" 2>/dev/null)" in "$$" | "$BASHPID") continue ;; esac
        if [ "$(readlink "$d/ns/net" 2>/dev/null)" = "$EC_NETNS" ] ||
            [ "$(readlink "$d/ns/mnt" 2>/dev/null)" = "$EC_MNTNS" ] ||
            grep -q "/$EC_TAG/" "$d/cgroup" 2>/dev/null; then echo "$pid"; fi
    done
}

# ec_inner_end: daemons stopped, leftovers ended by PID, our cgroups
# removed, the counters handed back to the outer part.
ec_inner_end() {
    local pid sig left d i
    ec_stop_daemons
    for sig in TERM KILL; do
        left=$(ec_ours)
        [ -z "$left" ] && break
        for pid in $left; do kill -"$sig" "$pid" 2>/dev/null; done
        sleep 1
    done
    left=$(ec_ours)
    [ -n "$left" ] && ec_say "# processes left: $left"
    for i in 1 2 3 4 5; do
        left=0
        for d in /sys/fs/cgroup/*/"$EC_TAG" /sys/fs/cgroup/"$EC_TAG"; do
            [ -d "$d" ] || continue
            find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
            [ -d "$d" ] && left=1
        done
        [ $left = 0 ] && break
        sleep 0.5
    done
    echo "$EC_N $EC_PASS $EC_FAIL $EC_SKIP" >"$EC_W/counts"
}
