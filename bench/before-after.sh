#!/usr/bin/env bash
# before-after.sh JAR_A JAR_B -- MQTTLOAD_ARGS...
#
# Runs one mqttload scenario against two builds of Cairn, alternating A, B, A, B... RUNS times
# (default 3), each on a fresh data directory with the default durability (sync), and prints each
# RESULT line with its build. Alternating spreads the noise of a shared machine over both builds;
# compare medians. WARMUP=S (default 5) first runs the same scenario for S seconds, unmeasured, so
# that the figures are of a JIT-compiled broker, not of its first seconds. Example (latency at 5,000 msg/s, persistent MQTT 5 sessions):
#   bench/before-after.sh old.jar broker/target/cairn.jar -- pubsub -P 1 -S 1 -Q 1 -s 64 -r 5000 \
#       --duration 10 --persistent -V 5
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${SHARED_BENCH:-$HERE/../../shared/bench}
A=$1; B=$2; shift 2
[ "${1:-}" = "--" ] && shift
RUNS=${RUNS:-3}
PORT=${CAIRN_BENCH_PORT:-18832}
DURABILITY=${DURABILITY:-sync}
LOAD=$("$SHARED/build.sh")

run() { # run JAR LABEL MQTTLOAD_ARGS...
    local jar=$1 label=$2 tmp cpid
    shift 2
    tmp=$(mktemp -d)
    printf '[[listeners]]\ntype = "tcp"\nbind = "127.0.0.1:%s"\n\n[storage]\ndir = "%s/data"\ndurability = "%s"\n' \
        "$PORT" "$tmp" "$DURABILITY" >"$tmp/cairn.toml"
    java -Xmx2g -jar "$jar" --config "$tmp/cairn.toml" >"$tmp/cairn.log" 2>&1 &
    cpid=$!
    for _ in $(seq 1 200); do
        grep -q "Cairn started" "$tmp/cairn.log" 2>/dev/null && break
        sleep 0.1
    done
    if [ "${WARMUP:-5}" -gt 0 ]; then
        timeout 120 "$LOAD" "$@" --duration "${WARMUP:-5}" -p "$PORT" -q >/dev/null 2>&1 || true
    fi
    echo "$label $(timeout 120 "$LOAD" "$@" -p "$PORT" -b "$cpid" -q 2>/dev/null | grep RESULT || echo RESULT failed)"
    kill "$cpid"; wait "$cpid" 2>/dev/null || true
    rm -rf "$tmp"
}

for i in $(seq 1 "$RUNS"); do
    run "$A" "A" "$@"
    run "$B" "B" "$@"
done
