#!/usr/bin/env bash
# compare.sh [DURABILITY]
#
# Measures Cairn and Mosquitto side by side on this machine, in one run, with the shared load
# generator and scenario set (../shared/bench: mqttload + run-scenarios.sh). DURABILITY is Cairn's
# [storage] durability: sync (default), periodic or memory. Mosquitto runs in its in-memory baseline
# configuration (its persistence never fsyncs per message either).
#
# Environment (passed to run-scenarios.sh): RUNS (default 3), ONLY (default "b c"), MQTT, QUICK.
# Example: ONLY="a b c d e" RUNS=5 bench/compare.sh sync
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED_BENCH:-$ROOT/../shared/bench}
DURABILITY=${1:-sync}
PORT=${CAIRN_BENCH_PORT:-18831}
export RUNS=${RUNS:-3} ONLY=${ONLY:-"b c"}

[ -x "$SHARED/run-scenarios.sh" ] || { echo "no load generator at $SHARED (set SHARED_BENCH)" >&2; exit 2; }
command -v mosquitto >/dev/null || { echo "mosquitto not installed: apt-get install mosquitto" >&2; exit 2; }
(cd "$ROOT" && [ -f broker/target/cairn.jar ] || mvn -q -B -DskipTests package)

TMP=$(mktemp -d)
cat >"$TMP/cairn.toml" <<TOML
[[listeners]]
type = "tcp"
bind = "127.0.0.1:$PORT"

[storage]
dir = "$TMP/data"
durability = "$DURABILITY"

[mqtt]
max_inflight = 100
max_queued_messages = 1000000
max_queued_bytes = 1073741824
TOML
(
    ulimit -n "$(ulimit -Hn)"
    exec java -Xmx2g -jar "$ROOT/broker/target/cairn.jar" --config "$TMP/cairn.toml"
) >"$TMP/cairn.log" 2>&1 &
CPID=$!
trap 'kill $CPID 2>/dev/null; wait $CPID 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 1 100); do
    ss -ltn | awk '{print $4}' | grep -q "^127.0.0.1:$PORT\$" && break
    sleep 0.1
done
echo "# Cairn $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null), durability=$DURABILITY, pid $CPID"
"$SHARED/run-scenarios.sh" "127.0.0.1:$PORT" "$CPID" 2>/dev/null | sed -n '/^# summary/,$p'
kill $CPID; wait $CPID 2>/dev/null || true
echo
echo "# Mosquitto (in-memory baseline), same machine, same run"
"$SHARED/run-baseline.sh" mem 2>/dev/null | sed -n '/^# summary/,$p'
