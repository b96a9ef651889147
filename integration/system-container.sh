#!/bin/sh
# Turns a copy of the test rootfs (bundles/make-rootfs.sh: busybox-static)
# into a system container, as LXC runs one: busybox init as pid 1, and an
# /etc/inittab that starts syslogd, crond and httpd and stops them one by one
# at shutdown. tests/system_container.rs and integration/bench.py (its soak)
# both call it, so that the test and the benchmark run the same container.
#   integration/system-container.sh ROOTFS
# The config that goes with it: args ["/sbin/init"], and capabilities for
# crond (CAP_SETUID, CAP_SETGID: it changes to the crontab's user before
# each job). berth brings a new network namespace's lo up, as runc does.
#
# What the container leaves for the tests to read (all under ROOTFS):
#   var/log/messages   syslogd's file (the services and stop-service log there)
#   var/log/cron.log   crond's own log
#   var/log/cron-ran   a line per minute, from crond's job
#   var/log/shutdown   the services' names in the order they were stopped
# httpd serves www/index.html on 127.0.0.1:8080 of the container's own
# network namespace.
set -eu
root=${1:?usage: system-container.sh ROOTFS}
[ -x "$root/bin/busybox" ] || { echo "system-container.sh: $root has no bin/busybox" >&2; exit 1; }
mkdir -p "$root/etc/crontabs" "$root/var/log" "$root/var/spool/cron" "$root/www"

# Each line's process runs on init's stdio (no tty named): a container has no
# /dev/console unless a terminal is asked for, and busybox init copes without.
# Shutdown actions run in this order on SIGTERM (busybox init: "reboot"),
# before init sends SIGTERM, then SIGKILL, to whatever is left.
cat > "$root/etc/inittab" <<'EOF'
::sysinit:/bin/rm -f /var/log/shutdown
::respawn:/sbin/syslogd -n -O /var/log/messages
::respawn:/usr/sbin/crond -f -c /etc/crontabs -L /var/log/cron.log
::respawn:/usr/sbin/httpd -f -p 127.0.0.1:8080 -h /www
::shutdown:/bin/sh /etc/stop-service httpd
::shutdown:/bin/sh /etc/stop-service crond
::shutdown:/bin/sh /etc/stop-service syslogd
EOF

# Stops one service and waits (bounded) until it is gone, so that the order
# in var/log/shutdown is the order the services ended in. Respawn does not
# interfere: init runs shutdown actions one after the other and respawns
# nothing once it has started shutting down.
cat > "$root/etc/stop-service" <<'EOF'
name=$1
logger -t shutdown "stopping $name"
pids=$(pidof "$name") || true
[ -n "$pids" ] && kill $pids
i=0
while pidof "$name" >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
pidof "$name" >/dev/null && echo "$name still running" >> /var/log/shutdown
echo "$name" >> /var/log/shutdown
EOF

# Jobs run at the top of a minute, so only longer runs (the soak) see one.
# No @reboot line: Debian's busybox 1.35 crond dies of SIGSEGV on it.
cat > "$root/etc/crontabs/root" <<'EOF'
* * * * * date >> /var/log/cron-ran
EOF

echo '<html><body>berth system container</body></html>' > "$root/www/index.html"
