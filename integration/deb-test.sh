#!/bin/sh
# `make test-deb`: the package from `make deb` installs with dpkg, `man
# berth` shows its page, the installed berth runs a bundle, and a purge
# leaves nothing. Prints ok/not ok per step; exits non-zero on a failure.
set -u
deb=$(ls target/deb/berth_*.deb 2>/dev/null | head -1)
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }
[ -n "$deb" ] || { echo "not ok - no package: run make deb"; exit 1; }
if dpkg -s berth >/dev/null 2>&1; then
    echo "ok - # SKIP a berth package is already installed here; not touching it"
    exit 0
fi
command -v man >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq man-db >/dev/null 2>&1
dpkg -i "$deb" >/dev/null 2>&1 && ok "dpkg -i $deb" || notok "dpkg -i $deb"
[ -x /usr/sbin/berth ] && ok "/usr/sbin/berth installed" || notok "/usr/sbin/berth missing"
MANPAGER=cat man berth 2>/dev/null | grep -q "daemonless OCI" && ok "man berth" || notok "man berth"
MANPAGER=cat man berth-exec 2>/dev/null | grep -q "\-\-pidfd-socket" && ok "man berth-exec" || notok "man berth-exec"
[ -f /usr/share/bash-completion/completions/berth ] && ok "bash completion" || notok "bash completion"
root=$(mktemp -d)
id=deb-test-$$
if unshare -m /usr/sbin/berth --root "$root" run --bundle bundles "$id" >"$root/out" 2>&1 && grep -q "pid=1" "$root/out"; then
    ok "the installed berth runs the demo bundle"
else
    notok "the installed berth runs the demo bundle: $(cat "$root/out")"
fi
/usr/sbin/berth --root "$root" delete --force "$id" >/dev/null 2>&1
rm -rf "$root"
dpkg --purge berth >/dev/null 2>&1 && ok "dpkg --purge" || notok "dpkg --purge"
[ ! -e /usr/sbin/berth ] && [ ! -e /usr/share/man/man8/berth.8.gz ] && ok "nothing left after the purge" || notok "files left after the purge"
exit $fail
