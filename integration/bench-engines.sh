#!/usr/bin/env bash
# Engine-level start time: `docker run --rm IMAGE true` and `podman run --rm
# IMAGE true`, with berth and with Debian's runc as the runtime (crun cannot
# run under engines on this hybrid cgroup host). Run as root:
#   integration/bench-engines.sh /path/to/berth N
# Same confined setup as engine-networks.sh (engines-common.sh): dockerd and
# podman in a network and mount namespace of their own, bridge networking
# on (each container gets its veth and address), a local busybox image.
# One warm-up run per engine and runtime is not counted; then N runs each,
# the runtimes alternating so that drift hits both alike. Then
# BENCH_OWN_RUNS (default 3) more runs per engine and runtime through a
# wrapper that records when each runtime invocation starts and ends
# (bash's clock, the wrapper's own start not included; one fork more than
# a direct call): the runtime's own share of a `run`. No timing is asserted.
#
# Output: stdout has one JSON object per line, one per engine and runtime:
#   {"engine": "docker"|"podman", "runtime": "berth"|"runc",
#    "runtime_version": "first line of RUNTIME --version",
#    "runs": N, "failures": runs that failed (left out of ms),
#    "median_ms": median wall time of one `ENGINE run --rm IMAGE true`,
#    "ms": [every run's wall time, in order],
#    "own_runs": BENCH_OWN_RUNS,
#    "own_median_ms": median, over own_runs, of the summed wall time of the
#                     runtime's own invocations during one `run`,
#    "own_ms": [that sum for each of those runs],
#    "own_total_ms": [the whole `run`'s wall time for each of those runs],
#    "own_calls": ["create", "start", "delete", ...: the runtime's verbs in
#                  the last of those runs, in order],
#    "own_calls_ms": [each of those invocations' wall time, same order]}
# Under Docker, `create` holds the prestart hook libnetwork-setkey, in which
# dockerd sets up the container's network (veth, address, DNS rules);
# podman sets up the network before it calls the runtime. So Docker's own_ms
# include network setup that podman's do not.
# Times are milliseconds with one decimal. stderr has the setup's "ok N -
# ..." / "not ok N - ..." lines (engines started, host left unchanged) and
# a summary; exit status 0 only if nothing failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
EC_TAP_FD=2
# shellcheck source=integration/engines-common.sh
. "$here/engines-common.sh"

if [ -z "${EC_INNER:-}" ]; then
    berth=$(readlink -f "${1:?usage: bench-engines.sh /path/to/berth N}")
    runs=${2:?usage: bench-engines.sh /path/to/berth N}
    [ -x "$berth" ] || { notok "$berth is not an executable file"; summary; exit 1; }
    ec_outer_begin
    ec_enter_private "$here/bench-engines.sh" "$berth" "$runs"
    ec_outer_end
    summary
    [ "$EC_FAIL" = 0 ]
    exit
fi

# ---------------------------------------------------------------- inside the private namespaces
berth=$1 runs=$2 own_runs=${BENCH_OWN_RUNS:-3}
trap 'ec_inner_end' EXIT
trap 'exit 130' INT TERM

ec_timed_wrapper berth "$berth"
ec_timed_wrapper runc "$EC_RUNC"

# Docker's names for the four ("runc" itself is reserved); podman's paths.
d_rt() { case $1 in berth) echo berth ;; runc) echo debian-runc ;; *) echo "$1" ;; esac; }
p_rt() { case $1 in berth) echo "$berth" ;; runc) echo "$EC_RUNC" ;; *) echo "$EC_W/timed/${1%-timed}" ;; esac; }
# one_run ENGINE RUNTIME: one `run --rm IMAGE true`; its wall time in MS.
one_run() {
    local t0 t1
    t0=${EPOCHREALTIME/./}
    if [ "$1" = docker ]; then
        run "${D[@]}" run --rm --pull never --runtime "$(d_rt "$2")" "$EC_IMG_DOCKER" true
    else
        run "${P[@]}" --runtime "$(p_rt "$2")" run --rm --pull never --cgroup-parent "/$EC_TAG" "$EC_IMG_PODMAN" true
    fi || { ec_say "# $1 run with $2 failed: $(printf '%s\n' "$OUT" | tail -1)"; return 1; }
    t1=${EPOCHREALTIME/./}
    MS=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1000 }')
}
# own_run ENGINE RUNTIME: one run through the timed wrapper; OWN is the sum
# of the runtime's invocations, CALLS their verbs.
own_run() {
    local log=$EC_W/timed/$2.log i
    : >"$log"
    one_run "$1" "$2-timed" || return 1
    # The engine may still be deleting the container: wait for it, 2 s at most.
    for i in $(seq 1 20); do grep -q ' delete$' "$log" && break; sleep 0.1; done
    OWN=$(awk '{ s += ($2 - $1) * 1000 } END { printf "%.1f", s }' "$log")
    CALLS=$(awk '{ printf "%s\"%s\"", (NR > 1 ? ", " : ""), $3 }' "$log")
    CALLS_MS=$(awk '{ printf "%s%.1f", (NR > 1 ? ", " : ""), ($2 - $1) * 1000 }' "$log")
}
median() {
    [ $# = 0 ] && { echo null; return; }
    printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
list() { local IFS=,; echo "[$*]"; }

# measure ENGINE: warm-up, N alternating runs, own_runs timed ones; prints
# the two JSON lines.
measure() {
    local e=$1 rt i
    declare -A ms=() fails=() own=() total=() calls=() calls_ms=()
    for rt in berth runc; do one_run "$e" "$rt" || notok "$e warm-up run with $rt"; done
    for i in $(seq 1 "$runs"); do
        for rt in berth runc; do
            if one_run "$e" "$rt"; then ms[$rt]="${ms[$rt]:-} $MS"; else fails[$rt]=$((${fails[$rt]:-0} + 1)); fi
        done
    done
    for i in $(seq 1 "$own_runs"); do
        for rt in berth runc; do
            if own_run "$e" "$rt"; then
                own[$rt]="${own[$rt]:-} $OWN" total[$rt]="${total[$rt]:-} $MS" calls[$rt]=$CALLS calls_ms[$rt]=$CALLS_MS
            else fails[$rt]=$((${fails[$rt]:-0} + 1)); fi
        done
    done
    for rt in berth runc; do
        # shellcheck disable=SC2086
        printf '{"engine": "%s", "runtime": "%s", "runtime_version": "%s", "runs": %s, "failures": %s, "median_ms": %s, "ms": %s, "own_runs": %s, "own_median_ms": %s, "own_ms": %s, "own_total_ms": %s, "own_calls": [%s], "own_calls_ms": [%s]}\n' \
            "$e" "$rt" "$("$(p_rt "$rt")" --version 2>/dev/null | head -1)" "$runs" "${fails[$rt]:-0}" \
            "$(median ${ms[$rt]:-})" "$(list ${ms[$rt]:-})" "$own_runs" "$(median ${own[$rt]:-})" \
            "$(list ${own[$rt]:-})" "$(list ${total[$rt]:-})" "${calls[$rt]:-}" "${calls_ms[$rt]:-}"
        [ "${fails[$rt]:-0}" = 0 ] && ok "$e with $rt: $runs + $own_runs runs" || notok "$e with $rt: ${fails[$rt]} runs failed"
    done
}

ec_setup_private || exit 1
ec_image_tar || { notok "busybox image rootfs"; exit 1; }
ec_dockerd "{ \"berth\": { \"path\": \"$berth\" }, \"debian-runc\": { \"path\": \"$EC_RUNC\" },
    \"berth-timed\": { \"path\": \"$EC_W/timed/berth\" }, \"runc-timed\": { \"path\": \"$EC_W/timed/runc\" } }" berth || exit 1
measure docker
t0=$(now_ms)
if ec_stop_daemons; then ok "dockerd stopped on SIGTERM ($(since "$t0")s)"; else notok "dockerd needed SIGKILL"; fi
if ec_podman; then ok "podman set up (network backend: $("${P[@]}" info --format '{{.Host.NetworkBackend}}' 2>&1))"; measure podman; fi
exit 0
