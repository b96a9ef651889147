#!/bin/sh
# Installs what the integration tests need from Debian, when missing:
# busybox-static (the test rootfs), containers-common's seccomp profile,
# python3 (one test drives berth from a child subreaper), tmux (terminal tests),
# uidmap (newuidmap/newgidmap for the rootless tests' subordinate ids), criu
# and podman (checkpoint and restore; CRIU works in the v2 guest, which sees
# this root).
set -eu
need=""
dpkg -s busybox-static >/dev/null 2>&1 || need="$need busybox-static"
[ -f /usr/share/containers/seccomp.json ] || need="$need golang-github-containers-common"
command -v python3 >/dev/null 2>&1 || need="$need python3"
command -v tmux >/dev/null 2>&1 || need="$need tmux"
command -v newuidmap >/dev/null 2>&1 || need="$need uidmap"
command -v criu >/dev/null 2>&1 || need="$need criu"
command -v podman >/dev/null 2>&1 || need="$need podman"
[ -z "$need" ] && exit 0
echo "installing:$need" >&2
apt-get update -qq >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
