#!/usr/bin/env bash
# profile.sh: a JFR profile of the broker under durable QoS 1 load. Starts broker/target/cairn.jar
# (durability sync, a temporary data dir) with a Flight Recording (settings=profile) that begins
# DELAY seconds after start and lasts REC seconds, drives it with the shared load generator for
# LOAD_SECONDS (default DELAY + REC + 2: PUBS publishers, 1 persistent subscriber, QoS 1, SIZE-byte
# payloads, window 16), all under the machine-wide bench lock, and leaves the recording at OUT.
#   OUT=/tmp/cairn.jfr PUBS=4 SIZE=64 bench/profile.sh
# Then: jfr summary OUT; jfr print --events jdk.ExecutionSample OUT; bench/jfr-summary.py OUT
# (per thread share and top methods); a JDK 21+ jfr has `jfr view hot-methods OUT` and
# `jfr view allocation-by-class OUT`.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED_BENCH:-$ROOT/../shared/bench}
LOAD="$SHARED/mqttload"; [ -w "$SHARED" ] || LOAD=/tmp/mqttload
[ -x "$LOAD" ] || "$SHARED/build.sh" >/dev/null
OUT=${OUT:-/tmp/cairn-profile.jfr}; PUBS=${PUBS:-4}; SIZE=${SIZE:-64}
DELAY=${DELAY:-5}; REC=${REC:-20}; LOAD_S=${LOAD_SECONDS:-$((DELAY + REC + 2))}
PORT=${CAIRN_BENCH_PORT:-18843}
# JDK 17's default 10-20 ms sampling gave only ~240 Java samples in 20 s on this 2-core machine; sample
# every 2 ms, and each thread's CPU load every second (event settings on the command line: JDK 17+)
JFR_EVENTS=${JFR_EVENTS:-jdk.ExecutionSample#period=2ms,jdk.ThreadCPULoad#period=1s}
LOCK=${CAIRN_BENCH_LOCK:-/tmp/cairn-bench.lock}
if [ -z "${PROFILE_LOCKED:-}" ]; then
    (cd "$ROOT" && mvn -q -B -ntp -DskipTests package)
    PROFILE_LOCKED=1 exec flock "$LOCK" "$0" "$@"
fi
TMP=$(mktemp -d); CPID=
trap '[ -n "$CPID" ] && kill "$CPID" 2>/dev/null; rm -rf "$TMP"' EXIT
cat >"$TMP/c.toml" <<TOML
[[listeners]]
type = "tcp"
bind = "127.0.0.1:$PORT"
[storage]
dir = "$TMP/data"
durability = "sync"
[mqtt]
max_inflight = 100
receive_maximum = 1000
TOML
rm -f "$OUT"
java -Xmx1g -XX:StartFlightRecording=delay=${DELAY}s,duration=${REC}s,filename=$OUT,settings=profile,$JFR_EVENTS \
    -jar "$ROOT/broker/target/cairn.jar" --config "$TMP/c.toml" >"$TMP/cairn.log" 2>&1 &
CPID=$!
for _ in $(seq 1 300); do grep -q "Cairn started" "$TMP/cairn.log" && break; sleep 0.1; done
grep -q "Cairn started" "$TMP/cairn.log" || { echo "broker did not start" >&2; cat "$TMP/cairn.log" >&2; exit 1; }
"$LOAD" pubsub -p "$PORT" -b "$CPID" -P "$PUBS" -S 1 -Q 1 --persistent -s "$SIZE" -w 16 \
    --duration "$LOAD_S" --drain 10 --idle 5 --timeout $((LOAD_S + 30)) -q | grep ^RESULT || true
# the recording ends by itself DELAY + REC seconds after start; wait for its file
for _ in $(seq 1 100); do grep -q "Dump" "$TMP/cairn.log" 2>/dev/null && break; [ -s "$OUT" ] && break; sleep 0.2; done
sleep 1
kill "$CPID"; wait "$CPID" 2>/dev/null || true; CPID=
ls -la "$OUT"
