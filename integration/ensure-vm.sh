#!/bin/sh
# Makes sure ../shared/tools/vmrun can boot its guest, which needs QEMU
# (qemu-system-x86 and qemu-system-data). vmrun would apt-get them itself,
# but from the release's main suite, whose QEMU conflicts with a qemu-utils
# from bookworm-backports, as our machines have: install them from backports
# instead, adding backports to the apt sources when missing.
set -eu
if command -v qemu-system-x86_64 >/dev/null 2>&1 && [ -e /usr/share/qemu/qboot.rom ]; then
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "ensure-vm: installing QEMU needs root" >&2; exit 1; }
. /etc/os-release
[ "${ID:-}" = debian ] && [ -n "${VERSION_CODENAME:-}" ] || {
    echo "ensure-vm: not Debian: install qemu-system-x86 and qemu-system-data yourself" >&2
    exit 1
}
backports=$VERSION_CODENAME-backports
# One-line (sources.list) or deb822 (*.sources) entries, commented ones excluded.
if ! grep -qs "^[^#]*[[:space:]]$backports\([[:space:]]\|$\)" /etc/apt/sources.list /etc/apt/sources.list.d/*; then
    echo "ensure-vm: adding $backports to /etc/apt/sources.list.d/backports.list" >&2
    echo "deb http://deb.debian.org/debian $backports main" >> /etc/apt/sources.list.d/backports.list
fi
echo "ensure-vm: installing qemu-system-x86 qemu-system-data from $backports" >&2
apt-get update -qq -o DPkg::Lock::Timeout=300
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 -t "$backports" qemu-system-x86 qemu-system-data
