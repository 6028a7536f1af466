#!/usr/bin/env bash
# durability.sh: acknowledged QoS 1 throughput against 1, 4, 16, 64 and 256 concurrent publishers
# (persistent sessions, so every message is journaled) for durability sync, periodic and memory;
# ack latency at 5,000 msg/s; recovery time for QUEUED (default 1,000,000) queued messages.
# Uses ../shared/bench/mqttload. Medians of RUNS (default 3) runs. Prints a Markdown table.
#   RUNS=3 PUBS="1 4 16 64 256" MODES="sync periodic memory" QUEUED=1000000 bench/durability.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED_BENCH:-$ROOT/../shared/bench}
LOAD="$SHARED/mqttload"; [ -w "$SHARED" ] || LOAD=/tmp/mqttload
[ -x "$LOAD" ] || "$SHARED/build.sh" >/dev/null
RUNS=${RUNS:-3}; PUBS=${PUBS:-"1 4 16 64 256"}; MODES=${MODES:-"sync periodic memory"}; QUEUED=${QUEUED:-1000000}
PORT=${CAIRN_BENCH_PORT:-18832}
(cd "$ROOT" && mvn -q -B -ntp -DskipTests package)
TMP=$(mktemp -d); trap 'kill $CPID 2>/dev/null; rm -rf "$TMP"' EXIT
CPID=

start_broker() { # MODE [keep-data]
    [ "${2:-}" = keep ] || rm -rf "$TMP/data"
    cat >"$TMP/c.toml" <<TOML
[[listeners]]
type = "tcp"
bind = "127.0.0.1:$PORT"
[storage]
dir = "$TMP/data"
durability = "$1"
[mqtt]
max_inflight = 100
receive_maximum = 1000
max_queued_messages = 2000000
max_queued_bytes = 4294967296
TOML
    (ulimit -n "$(ulimit -Hn)"; exec java -Xmx3g -jar "$ROOT/broker/target/cairn.jar" --config "$TMP/c.toml") >"$TMP/cairn.log" 2>&1 &
    CPID=$!
    for _ in $(seq 1 300); do grep -q "Cairn started" "$TMP/cairn.log" && return; sleep 0.1; done
    echo "broker did not start" >&2; cat "$TMP/cairn.log" >&2; exit 1
}
stop_broker() { kill "$CPID"; wait "$CPID" 2>/dev/null || true; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| mode | publishers | acknowledged QoS 1 msg/s (median of $RUNS) | runs |"
echo "|---|---|---|---|"
for mode in $MODES; do
    start_broker "$mode"
    for p in $PUBS; do
        rates=()
        for _ in $(seq 1 "$RUNS"); do
            n=$(( 200000 / p )); [ "$n" -lt 200 ] && n=200
            r=$("$LOAD" pubsub -p "$PORT" -P "$p" -S 1 -Q 1 --persistent -s 64 -n "$n" -w 16 --duration 8 --drain 10 --idle 5 --timeout 40 -q 2>/dev/null | grep ^RESULT || true)
            rates+=("$(awk -v a="$(field acked "$r")" -v s="$(field pub_s "$r")" 'BEGIN { if (s > 0) printf "%.0f", a / s; else print 0 }')")
        done
        echo "| $mode | $p | $(median "${rates[@]}") | ${rates[*]} |"
    done
    stop_broker
done

echo
echo "| mode | ack latency at 5,000 msg/s QoS 1 (1 pub, 1 persistent sub) | p50 us | p99 us |"
echo "|---|---|---|---|"
for mode in $MODES; do
    start_broker "$mode"
    p50=(); p99=()
    for _ in $(seq 1 "$RUNS"); do
        r=$("$LOAD" pubsub -p "$PORT" -P 1 -S 1 -Q 1 --persistent -s 64 -r 5000 --duration 8 --drain 10 --idle 5 --timeout 40 -q 2>/dev/null | grep ^RESULT || true)
        p50+=("$(field p50_us "$r")"); p99+=("$(field p99_us "$r")")
    done
    echo "| $mode | end to end (publish -> delivery) | $(median "${p50[@]}") | $(median "${p99[@]}") |"
    stop_broker
done

echo
start_broker sync
# a persistent subscriber that goes away, then QUEUED messages queued for it
python3 - "$PORT" "$QUEUED" <<'PY'
import socket, struct, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
def pkt(h, body):
    out, l = bytearray([h]), len(body)
    while True:
        d, l = l % 128, l // 128
        out.append(d | (0x80 if l else 0))
        if not l: break
    return bytes(out) + body
s8 = lambda t: struct.pack(">H", len(t)) + t.encode()
sub = socket.create_connection(("127.0.0.1", port))
sub.sendall(pkt(0x10, s8("MQTT") + bytes([4, 0]) + struct.pack(">H", 0) + s8("recover-sub")))
sub.recv(4)
sub.sendall(pkt(0x82, struct.pack(">H", 1) + s8("recover/q") + bytes([1])))
sub.recv(5)
sub.close()
pub = socket.create_connection(("127.0.0.1", port))
pub.sendall(pkt(0x10, s8("MQTT") + bytes([4, 2]) + struct.pack(">H", 0) + s8("recover-pub")))
pub.recv(4)
batch = bytearray()
for i in range(1, n + 1):
    batch += pkt(0x32, s8("recover/q") + struct.pack(">H", i % 65535 + 1) + b"x" * 64)
    if i % 1000 == 0:
        pub.sendall(batch); batch.clear()
        need = 1000 * 4
        got = 0
        while got < need:
            got += len(pub.recv(need - got))
pub.close()
PY
kill -9 "$CPID"; wait "$CPID" 2>/dev/null || true
start_broker sync keep
echo "recovery after kill -9 with $QUEUED queued messages:"
grep -E "recovered from|Cairn started" "$TMP/cairn.log" | sed 's/^/    /'
stop_broker
