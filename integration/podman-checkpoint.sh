#!/usr/bin/env bash
# podman's checkpoint and restore through berth, with --export to a tar
# file and --import from it. Needs a host where CRIU works (`criu check`);
# elsewhere every step prints as skipped, with criu check's cause. Prints
# "ok N - ..." / "not ok N - ..." per step and "N passed, N failed, N
# skipped"; exit status 0 only if nothing failed. Run as root:
#   integration/podman-checkpoint.sh /path/to/berth
# podman keeps everything in a temporary directory (vfs storage), and runs
# its containers with --network none.
set -u
berth=$(readlink -f "${1:?usage: podman-checkpoint.sh /path/to/berth}")
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=integration/engines-common.sh
. "$here/engines-common.sh"

if ! command -v podman >/dev/null 2>&1 || ! command -v criu >/dev/null 2>&1; then
    why="podman or criu is not installed"
    for s in checkpoint restore count; do skip "$s: $why"; done; summary; exit 0
fi
if ! out=$(criu check 2>&1); then
    why="criu check fails here: $(echo "$out" | grep -m1 '^Error' | sed 's/^Error ([^)]*): //')"
    for s in "podman container checkpoint --export" "podman container restore --import" "the count goes on"; do
        skip "$s: $why"
    done
    summary; exit 0
fi

w=$(mktemp -d /tmp/berth-podman-ckpt.XXXXXX)
tag=berth-ckpt-$$    # the container's cgroup parent, removed at the end
pm() { timeout 300 podman --root "$w/storage" --runroot "$w/run" --tmpdir "$w/tmp" --storage-driver vfs \
    --runtime "$berth" --cgroup-manager cgroupfs --events-backend none "$@"; }
cleanup() {
    local d
    pm rm -af >/dev/null 2>&1; pm rmi -af >/dev/null 2>&1
    for d in /sys/fs/cgroup/"$tag" /sys/fs/cgroup/*/"$tag"; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    rm -rf --one-file-system "$w"
}
trap cleanup EXIT

tar -C "$here/../bundles/rootfs" -cf "$w/rootfs.tar" .
pm import "$w/rootfs.tar" localhost/berth-ckpt >/dev/null 2>&1 || { notok "podman import"; summary; exit 1; }
count='i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.2; done'
pm run -d --name c1 --network none --cgroup-parent "/$tag" localhost/berth-ckpt sh -c "$count" >/dev/null || { notok "podman run -d"; summary; exit 1; }
sleep 2
before=$(pm exec c1 cat /count 2>/dev/null)
if pm container checkpoint --export "$w/c1.tar.gz" c1 >"$w/ckpt.log" 2>&1 && [ -s "$w/c1.tar.gz" ]; then
    ok "podman container checkpoint --export (count was $before)"
else
    notok "podman container checkpoint --export"; comment <"$w/ckpt.log"
fi
pm rm -f c1 >/dev/null 2>&1
if pm container restore --import "$w/c1.tar.gz" >"$w/rst.log" 2>&1 && [ "$(pm inspect c1 --format '{{.State.Status}}')" = running ]; then
    ok "podman container restore --import"
else
    notok "podman container restore --import"; comment <"$w/rst.log"
fi
sleep 1
after=$(pm exec c1 cat /count 2>/dev/null)
if [ -n "$after" ] && [ -n "$before" ] && [ "$after" -gt "$before" ]; then
    ok "the count goes on after restore ($before, then $after)"
else
    notok "the count goes on after restore (before: '$before', after: '$after')"
fi
summary
[ "$EC_FAIL" = 0 ]
