#!/usr/bin/env bash
# Docker and podman networks and volumes, with berth as the runtime (#16).
# Run as root:
#   integration/engine-networks.sh /path/to/berth
# dockerd (berth its default runtime, through a wrapper that logs each call)
# and rootful podman (--runtime) run with their real networking: docker0 and
# a user-defined bridge with iptables rules, published ports, the embedded
# DNS, podman's default CNI network with portmap. All of it lives in a
# network and mount namespace this script makes (engines-common.sh): the
# "host" that asks 127.0.0.1:PORT is that namespace, and the host's own
# rules, links, mounts and cgroups are checked unchanged at the end.
# Steps: bridge and a published port; a user-defined network reached by
# name; --network host and none; bind mounts rw and ro, a named volume
# across two containers, --tmpfs; podman's published port. A step that
# fails with berth is run again with Debian's runc, and the output says
# whether runc passes it (berth's fault) or not (the setup's); with
# ALSO_RUNC=1, runc runs every step as a control.
# Prints "ok N - ..." / "not ok N - ..." per step and "N passed, N failed,
# N skipped"; exit status 0 only if nothing failed. Installs from Debian
# when missing: docker.io, containerd, runc, podman,
# containernetworking-plugins, iptables, iproute2, busybox-static.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=integration/engines-common.sh
. "$here/engines-common.sh"

if [ -z "${EC_INNER:-}" ]; then
    berth=$(readlink -f "${1:?usage: engine-networks.sh /path/to/berth}")
    [ -x "$berth" ] || { notok "$berth is not an executable file"; summary; exit 1; }
    trap '' PIPE
    ec_outer_begin
    ec_enter_private "$here/engine-networks.sh" "$berth"
    ec_outer_end
    summary
    [ "$EC_FAIL" = 0 ]
    exit
fi

# ---------------------------------------------------------------- inside the private namespaces
berth=$1
CALLS=$EC_W/berth-calls.log
: >"$CALLS"
WRAP=$(ec_wrapper berth "$berth" "$CALLS")
trap 'ec_inner_end' EXIT
trap 'exit 130' INT TERM
trap '' PIPE

# The same step with berth or runc: docker knows them as runtimes "berth"
# and "debian-runc" ("runc" is reserved), podman by path.
d_rt() { if [ "$1" = berth ]; then echo berth; else echo debian-runc; fi; }
p_rt() { if [ "$1" = berth ]; then echo "$WRAP"; else echo "$EC_RUNC"; fi; }
port() { if [ "$2" = berth ]; then echo "$1"; else echo $(($1 + 10)); fi; }
drun() { local rt=$1; shift; run "${D[@]}" run --pull never --runtime "$(d_rt "$rt")" "$@"; }
has() { printf '%s\n' "$OUT" | grep -qF -- "$1"; }

# check DESC FUNC: FUNC berth, then, if that failed, FUNC runc to say whose
# fault it is. FUNC sets NOTE (details for the line) and OUT (what failed).
check() {
    local d=$1 f=$2
    NOTE=""
    if "$f" berth; then
        ok "$d${NOTE:+ ($NOTE)}"
        if [ -n "${ALSO_RUNC:-}" ]; then
            if "$f" runc; then ec_say "#   runc passes it too"; else ec_say "#   runc fails it"; tail_out 3; fi
        fi
        return 0
    fi
    notok "$d${NOTE:+ ($NOTE)}"
    tail_out
    NOTE=""
    if "$f" runc; then ec_say "#   with runc ($EC_RUNC) the same step passes: berth's fault"
    else ec_say "#   with runc ($EC_RUNC) the same step fails too: the setup's or the engine's"; tail_out 3; fi
    return 1
}

# ---- bridge and a published port
WEB_ID=""
t_port() {
    local p n=web1-$1
    p=$(port 18080 "$1")
    drun "$1" -d --name "$n" -p "127.0.0.1:$p:80" "$EC_IMG_DOCKER" httpd -f -p 80 -h /www || return 1
    [ "$1" = berth ] && WEB_ID=$OUT
    http_get 127.0.0.1 "$p" && has "$EC_PAGE" || return 1
    NOTE="127.0.0.1:$p answered '$(printf '%s\n' "$OUT" | head -1)' and the page"
}

# ---- a user-defined network, a name resolved by the embedded DNS
t_dns() {
    local web=web r
    [ "$1" = berth ] || web=web-runc
    run "${D[@]}" network inspect berthnet || run "${D[@]}" network create berthnet || return 1
    drun "$1" -d --network berthnet --name "$web" "$EC_IMG_DOCKER" httpd -f -p 80 -h /www || return 1
    # Bounded: 10 tries while httpd comes up.
    drun "$1" --rm --network berthnet "$EC_IMG_DOCKER" sh -c \
        "grep nameserver /etc/resolv.conf; nslookup $web; for i in 1 2 3 4 5 6 7 8 9 10; do $EC_GET $web 80 && exit 0; sleep 0.3; done; exit 1"
    r=$?
    local out=$OUT
    run "${D[@]}" rm -f "$web"
    OUT=$out
    [ $r = 0 ] && has "$EC_PAGE" && has 127.0.0.11 || return 1
    NOTE="GET http://$web:80/ from a second container on berthnet; its resolver is 127.0.0.11"
}

# ---- other network modes
link_names() { awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' '; }
t_host() {
    local outside inside try
    # Twice at most: a removed container's veth may still be going away.
    for try in 1 2; do
        outside=$(ip -o link | link_names)
        drun "$1" --rm --network host "$EC_IMG_DOCKER" ip -o link || return 1
        inside=$(printf '%s\n' "$OUT" | link_names)
        [ "$inside" = "$outside" ] && break
        sleep 1
    done
    NOTE="inside: $inside; dockerd's netns: $outside"
    [ "$inside" = "$outside" ] && case " $inside" in *" docker0 "*) true ;; *) false ;; esac
}
t_none() {
    drun "$1" --rm --network none "$EC_IMG_DOCKER" ip -o link || return 1
    NOTE="links: $(printf '%s\n' "$OUT" | link_names)"
    [ "$(printf '%s\n' "$OUT" | link_names)" = "lo " ]
}

# ---- volumes
t_bind() {
    local dir=$EC_W/hostdir-$1
    mkdir -p "$dir" && echo from-the-host >"$dir/host-file"
    drun "$1" --rm -v "$dir:/data" "$EC_IMG_DOCKER" sh -c 'cat /data/host-file && echo from-the-container >/data/new-file' || return 1
    NOTE="container read '$OUT', host read '$(cat "$dir/new-file" 2>/dev/null)'"
    has from-the-host && [ "$(cat "$dir/new-file" 2>/dev/null)" = from-the-container ]
}
t_ro() {
    local dir=$EC_W/hostdir-$1
    mkdir -p "$dir" && echo from-the-host >"$dir/host-file"
    rm -f "$dir/ro-file"
    drun "$1" --rm -v "$dir:/data:ro" "$EC_IMG_DOCKER" sh -c 'cat /data/host-file; echo x >/data/ro-file'
    NOTE="write: $(printf '%s\n' "$OUT" | grep -m1 -i 'read-only')"
    [ "$RC" != 0 ] && has from-the-host && has "Read-only file system" && [ ! -e "$dir/ro-file" ]
}
t_named() {
    local vol=berthvol-$1 mp
    run "${D[@]}" volume create "$vol" || return 1
    drun "$1" --name "writer-$1" -v "$vol:/vol" "$EC_IMG_DOCKER" sh -c 'echo written-by-the-first >/vol/f' || return 1
    run "${D[@]}" rm "writer-$1" || return 1
    run "${D[@]}" ps -a -q --filter "name=writer-$1"
    [ -z "$OUT" ] || return 1
    drun "$1" --rm -v "$vol:/vol" "$EC_IMG_DOCKER" cat /vol/f || return 1
    has written-by-the-first || return 1
    mp=$("${D[@]}" volume inspect -f '{{.Mountpoint}}' "$vol" 2>/dev/null)
    NOTE="second container read '$OUT'; the volume is $mp"
    run "${D[@]}" volume rm "$vol" >/dev/null
    return 0
}
t_tmpfs() {
    drun "$1" --rm --tmpfs /scratch "$EC_IMG_DOCKER" sh -c 'grep " /scratch " /proc/mounts && echo scratch-ok >/scratch/f && cat /scratch/f' || return 1
    NOTE=$(printf '%s\n' "$OUT" | grep -m1 ' /scratch ')
    has "tmpfs /scratch tmpfs" && has scratch-ok
}

# ---- podman's default network
t_pport() {
    local p n=pweb-$1
    p=$(port 18081 "$1")
    run "${P[@]}" --runtime "$(p_rt "$1")" run -d --pull never --cgroup-parent "/$EC_TAG" --name "$n" \
        -p "127.0.0.1:$p:80" "$EC_IMG_PODMAN" httpd -f -p 80 -h /www || return 1
    http_get 127.0.0.1 "$p" && has "$EC_PAGE" || return 1
    NOTE="127.0.0.1:$p answered '$(printf '%s\n' "$OUT" | head -1)' and the page"
}

# berth's view at the end: no container left in any root the engines used
# (a call without --root means berth's default, /run/berth, in our /run).
berth_list_empty() {
    local roots r l left="" fail=0
    roots=$(sed -n 's/.*--root[= ]\([^ ]*\).*/\1/p' "$CALLS" | sort -u)
    grep -qv -- '--root' "$CALLS" && roots="$roots /run/berth"
    for r in $roots; do
        l=$(timeout 10 "$berth" --root "$r" list -q 2>&1) || fail=1
        [ -n "$l" ] && left="$left $r:[$(echo $l)]"
    done
    if [ $fail = 0 ] && [ -z "$left" ]; then ok "$1: berth list -q empty (roots: $(echo $roots))"
    else notok "$1: berth list -q after cleanup:$left"; fi
}

# ---------------------------------------------------------------- Docker
ec_setup_private || exit 1
echo "# berth=$berth workdir=$EC_W cgroup parent=/$EC_TAG"
ec_image_tar || { notok "busybox image rootfs"; exit 1; }
ec_dockerd "{ \"berth\": { \"path\": \"$WRAP\" }, \"debian-runc\": { \"path\": \"$EC_RUNC\" } }" berth || exit 1
if run "${D[@]}" info --format '{{.DefaultRuntime}} {{range $k, $v := .Runtimes}}{{$k}},{{end}}' && has "berth " && has debian-runc; then
    ok "docker info: default runtime berth (runtimes: $(echo "$OUT" | cut -d' ' -f2))"
else notok "docker info: default runtime"; tail_out; fi

check "bridge: docker run -d -p 127.0.0.1:18080:80 httpd, a request from the private netns gets the page" t_port
if [ -n "$WEB_ID" ]; then
    rt=$("${D[@]}" inspect --format '{{.HostConfig.Runtime}}' "$WEB_ID" 2>&1)
    if [ "$rt" = berth ] && grep -q "create .*$WEB_ID" "$CALLS" && grep -q "start $WEB_ID" "$CALLS"; then
        ok "docker ran it with berth (HostConfig.Runtime=$rt; the wrapper logged create and start of ${WEB_ID:0:12})"
    else notok "docker ran it with berth (HostConfig.Runtime=$rt)"; tail -3 "$CALLS" | comment; fi
    # The bridge, the NAT rule and forwarding exist, and only in this netns.
    addr=$(ip -br addr show docker0 2>/dev/null | awk '{print $3}')
    dnat=$(iptables -t nat -S DOCKER 2>/dev/null | grep -c -- '--dport 18080')
    fwd=$(sysctl -n net.ipv4.ip_forward)
    if [ "$addr" = "$EC_BRIDGE_NET.1/24" ] && [ "$dnat" -ge 1 ] && [ "$fwd" = 1 ]; then
        ok "in the private netns: docker0 $addr, a DNAT rule for 18080 in nat/DOCKER, ip_forward=$fwd"
    else notok "in the private netns: docker0 '$addr', DNAT rules for 18080: $dnat, ip_forward=$fwd"; fi
fi
run "${D[@]}" rm -f web1-berth web1-runc >/dev/null

check "user-defined network: docker network create berthnet; a container reaches 'web' by name" t_dns
check "--network host: the container sees the links of dockerd's netns" t_host
check "--network none: only lo" t_none
check "bind mount -v DIR:/data: the container reads the host's file, the host reads the container's" t_bind
check "bind mount -v DIR:/data:ro: read works, a write fails with EROFS" t_ro
check "named volume: written by one container, read by a second after the first is removed" t_named
check "--tmpfs /scratch: a writable tmpfs inside" t_tmpfs

run "${D[@]}" rm -f $("${D[@]}" ps -aq 2>/dev/null) >/dev/null
run "${D[@]}" network rm berthnet >/dev/null
run "${D[@]}" ps -aq
[ -z "$OUT" ] && ok "docker: no container left" || notok "docker: containers left: $(echo $OUT)"
berth_list_empty docker
t0=$(now_ms)
if ec_stop_daemons; then ok "dockerd stopped on SIGTERM ($(since "$t0")s)"; else notok "dockerd needed SIGKILL"; fi

# ---------------------------------------------------------------- podman
: >"$CALLS"
if ec_podman; then
    if run "${P[@]}" info --format '{{.Host.NetworkBackend}}'; then
        ok "podman info: $(podman --version | awk '{print $3}'), network backend $OUT"
    else notok "podman info"; tail_out; fi
    check "podman run -d -p 127.0.0.1:18081:80 on its default network, a request gets the page" t_pport
    run "${P[@]}" inspect --format '{{.OCIRuntime}} {{.Id}}' pweb-berth
    read -r prt pid <<<"$OUT"
    if [ "$prt" = "$WRAP" ] && [ -n "$pid" ] && grep -q "create .*$pid" "$CALLS" && grep -q "start $pid" "$CALLS"; then
        ok "podman ran it with berth (OCIRuntime=$prt; the wrapper logged create and start of ${pid:0:12})"
    else notok "podman ran it with berth (OCIRuntime=$OUT)"; tail -3 "$CALLS" | comment; fi
    run "${P[@]}" rm -af -t 0 >/dev/null
    run "${P[@]}" ps -aq
    [ -z "$OUT" ] && ok "podman: no container left" || notok "podman: containers left: $(echo $OUT)"
    berth_list_empty podman
fi
exit 0
