#!/usr/bin/env bash
# bench/cores.sh [SCENARIO...]
#
# What a second core gives Cairn: compare.sh's scenarios against Cairn (durability sync, MQTT 5
# persistent sessions) pinned to one core (taskset -c 0) and to two (taskset -c 0,1), alternating,
# RUNS times each (default 3), with the medians and the two-core/one-core ratio (bench/variants.sh
# does the work). The load generator is not pinned: with the broker on core 0 it mostly runs on
# core 1, with the broker on both it shares them, so the ratio is a lower bound of what the broker
# gains from the core. Scenarios: qos0 qos1 qos2 fanout latency window1 (default: qos0 qos1
# window1). Hold the lock:
#   flock /tmp/cairn-bench.lock bench/cores.sh
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(nproc)" -ge 2 ] || { echo "cores.sh needs two cores (nproc says $(nproc))" >&2; exit 2; }
# G1 on both (the launcher's choice): on one CPU the JVM would otherwise pick Serial
JVM="${CAIRN_JVM:--Xmx2g -XX:+UseG1GC}"
TITLE="cores.sh (what a second core gives)" VARIANTS="1 core=$JVM@0;2 cores=$JVM@0,1" OUT=${OUT:-$HERE/results/cores-$(date +%Y%m%d-%H%M%S)} \
    exec "$HERE/variants.sh" "$@"
