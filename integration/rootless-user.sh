#!/bin/sh
# Makes (once) an ordinary user for the rootless tests, with 65536
# subordinate uids and gids in /etc/subuid and /etc/subgid, and prints
# "UID GID SUBUID_START SUBGID_START". Idempotent; run as root.
#   integration/rootless-user.sh NAME
set -eu
name=$1
if ! id -u "$name" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/sh "$name"
fi
uid=$(id -u "$name")
gid=$(id -g "$name")
# useradd fills /etc/subuid and /etc/subgid when they exist; otherwise
# give the user a range of its own, clear of other users' (one per uid).
start=$((1000000 + (uid % 1000) * 65536))
for f in /etc/subuid /etc/subgid; do
    touch "$f"
    if ! grep -q "^$name:" "$f"; then
        echo "$name:$start:65536" >>"$f"
    fi
done
sub() { awk -F: -v n="$name" '$1 == n { print $2; exit }' "$1"; }
echo "$uid $gid $(sub /etc/subuid) $(sub /etc/subgid)"
