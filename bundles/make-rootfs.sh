#!/bin/sh
# Assembles a minimal rootfs from Debian's busybox-static (installed if missing)
# and, when it has been built, our probe binary at /probe.
#   bundles/make-rootfs.sh [DEST]     (default: bundles/rootfs)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-$here/rootfs}
case "$dest" in /*) ;; *) dest=$(pwd)/$dest ;; esac
busybox=/bin/busybox

if ! dpkg -s busybox-static >/dev/null 2>&1; then
    echo "installing busybox-static" >&2
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
fi

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
cd "$dest.tmp"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root home run var/tmp
chmod 1777 tmp var/tmp
cp "$busybox" bin/busybox
for applet in $(bin/busybox --list-full); do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$(dirname "$applet")"
    ln -sf /bin/busybox "$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > etc/group
echo berth > etc/hostname
probe=$here/../target/x86_64-unknown-linux-gnu/release/berth-probe
[ -x "$probe" ] && cp "$probe" probe
cd /
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "rootfs ready: $dest" >&2
