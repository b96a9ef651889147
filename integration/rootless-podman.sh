#!/usr/bin/env bash
# Rootless podman through berth: an ordinary user (made by
# rootless-user.sh, with subordinate ids) runs podman with --runtime berth.
# podman runs berth inside its own user namespace, where berth is root
# without the host's privileges. Prints "ok N - ..." / "not ok N - ..." per
# step and "N passed, N failed, N skipped"; exit status 0 only if nothing
# failed. Run as root:
#   integration/rootless-podman.sh /path/to/berth
# Installs from Debian when missing: podman, uidmap, slirp4netns,
# fuse-overlayfs (what rootless podman 4.3 on Debian 12 needs).
set -u
berth=$(readlink -f "${1:?usage: rootless-podman.sh /path/to/berth}")
here=$(cd "$(dirname "$0")" && pwd)
user=berth-rl-podman

# shellcheck source=integration/engines-common.sh
. "$here/engines-common.sh"
if [ "$(id -u)" != 0 ]; then notok "must run as root"; summary; exit 1; fi

need=()
for tool in podman:podman newuidmap:uidmap slirp4netns:slirp4netns fuse-overlayfs:fuse-overlayfs; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    EC_W=$(mktemp -d /tmp/berth-rl-podman-apt.XXXXXX)
    t0=$(now_ms)
    if ec_apt_install "${need[@]}"; then ok "install ${need[*]} from Debian ($(since "$t0") s)"
    else notok "install ${need[*]} from Debian"; tail -5 "$EC_W/apt.log" | comment; summary; exit 1; fi
    rm -rf "$EC_W"
fi

read -r uid gid _ _ < <("$here/rootless-user.sh" "$user")
home=$(getent passwd "$user" | cut -d: -f6)
xdg=$(mktemp -d /tmp/berth-rl-podman.XXXXXX)
chown "$uid:$gid" "$xdg"
chmod 700 "$xdg"
# berth and the image's tarball where the user can read them.
work=$(mktemp -d /tmp/berth-rl-podman-work.XXXXXX)
chmod 755 "$work"
cp "$berth" "$work/berth"
chmod 755 "$work/berth"
tar -C "$here/../bundles/rootfs" -cf "$work/rootfs.tar" .
chmod 644 "$work/rootfs.tar"

as_user() {
    runuser -u "$user" -- env -i HOME="$home" USER="$user" LOGNAME="$user" \
        PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$xdg" "$@"
}
pm() { as_user timeout 120 podman --runtime "$work/berth" "$@"; }

cleanup() {
    as_user podman rm -af >/dev/null 2>&1
    # podman's pause process holds its user namespace; it is ours to end.
    pause=$(cat "$xdg/libpod/tmp/pause.pid" 2>/dev/null)
    [ -n "$pause" ] && kill "$pause" 2>/dev/null
    as_user podman system reset -f >/dev/null 2>&1
    pause=$(cat "$xdg/libpod/tmp/pause.pid" 2>/dev/null)
    [ -n "$pause" ] && kill "$pause" 2>/dev/null
    rm -rf "$xdg" "$work"
}
trap cleanup EXIT

img=localhost/berth-rootless-busybox
if as_user podman import "$work/rootfs.tar" "$img" >/dev/null 2>&1; then
    ok "import a busybox image as $user"
else
    notok "import a busybox image as $user"; summary; exit 1
fi

out=$(pm run --rm "$img" echo hello-rootless 2>&1)
[ "$out" = hello-rootless ] && ok "run echo" || { notok "run echo"; echo "$out" | comment; }

out=$(pm run --rm "$img" sh -c 'id -u; cat /proc/self/uid_map' 2>&1)
if echo "$out" | head -1 | grep -qx 0 && echo "$out" | grep -Eq "^ +0 +$uid +1$"; then
    ok "root in the container is $user ($uid) outside"
else
    notok "root in the container is $user outside"; echo "$out" | comment
fi

out=$(pm run --rm -t "$img" tty 2>&1 | tr -d '\r')
echo "$out" | grep -q '^/dev/pts/' && ok "run -t has a terminal" || { notok "run -t"; echo "$out" | comment; }

if pm run -d --name rl1 "$img" sleep 300 >/dev/null 2>&1; then ok "run -d"; else notok "run -d"; fi
states() { find "$xdg" -name state.json 2>/dev/null | wc -l; }
[ "$(states)" -ge 1 ] && ok "berth keeps its state under the user's XDG_RUNTIME_DIR" || notok "no berth state under $xdg"
runtime=$(as_user podman inspect rl1 --format '{{.OCIRuntime}}' 2>&1)
[ "$runtime" = "$work/berth" ] && ok "podman used berth ($runtime)" || notok "podman used $runtime, not berth"
out=$(pm exec rl1 sh -c 'echo in-exec' 2>&1)
[ "$out" = in-exec ] && ok "exec" || { notok "exec"; echo "$out" | comment; }
if pm stop -t 1 rl1 >/dev/null 2>&1 && [ "$(as_user podman inspect rl1 --format '{{.State.Status}}')" = exited ]; then
    ok "stop"
else
    notok "stop"
fi
if pm rm rl1 >/dev/null 2>&1 && ! as_user podman container exists rl1; then ok "rm"; else notok "rm"; fi
[ "$(states)" = 0 ] && ok "no container left in berth's state" || notok "$(states) containers left in berth's state"

summary
[ "$EC_FAIL" = 0 ]
