#!/bin/sh
# A runtime wrapper that keeps a copy of every config.json it is asked to
# create or run, then runs berth: give it to an engine as its runtime to see
# the configs the engine writes (tests/fixtures/configs/README.md).
#   CAPTURE_DIR  where the copies go (default /tmp/captured)
#   BERTH        the runtime to run (default: the release build beside us)
set -eu
here=$(dirname "$(readlink -f "$0")")
dir=${CAPTURE_DIR:-/tmp/captured}
berth=${BERTH:-$here/../target/x86_64-unknown-linux-gnu/release/berth}
bundle="" verb="" prev=""
for a in "$@"; do
    case "$prev" in --bundle|-b) bundle=$a ;; esac
    case "$a" in
        --bundle=*) bundle=${a#--bundle=} ;;
        create|run) [ -n "$verb" ] || verb=$a ;;
    esac
    prev=$a
done
if [ -n "$verb" ]; then
    mkdir -p "$dir"
    cp "${bundle:-.}/config.json" "$dir/$(date +%s%N)-$verb.json" 2>/dev/null || true
fi
exec "$berth" "$@"
