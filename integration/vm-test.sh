#!/bin/sh
# Builds one integration test (tests/TEST.rs) here and runs its binary in
# vmrun's guest, a pure cgroup v2 machine. The guest starts processes about
# 50 times slower than the host, so nothing is compiled there, and the tests
# run one at a time.
#   integration/vm-test.sh TEST [TIMEOUT_SECONDS]
# $CARGO and $VMRUN (default ../shared/tools/vmrun) may be set.
set -eu
test=$1
timeout=${2:-900}
cd "$(dirname "$0")/.."
cargo=${CARGO:-cargo}
vmrun=${VMRUN:-../shared/tools/vmrun}
# cargo prints one JSON object a line; the test's artifact names its binary.
bin=$($cargo test --no-run --test "$test" --message-format=json \
    | grep '"reason":"compiler-artifact"' | grep "\"name\":\"$test\"" \
    | grep -o '"executable":"[^"]*"' | cut -d'"' -f4)
[ -n "$bin" ] && [ -x "$bin" ] || { echo "vm-test: no test binary for $test" >&2; exit 1; }
# The checkout is shared with the guest at the same path, so the binary,
# target/debug/berth and bundles/rootfs are all where the test expects them.
exec "$vmrun" --timeout "$timeout" -- "$bin" --test-threads=1
