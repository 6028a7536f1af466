#!/usr/bin/env bash
# reliable-consumption.sh: the failures of docs/reliable-messaging.md, measured on Cairn (durability
# sync) and on Mosquitto (persistence true, its default autosave_interval of 1800 s), with the same
# clients. N (default 100) QoS 1 messages per scenario; each row counts what the consumer handled.
#   A  published before the consumer ever ran (Cairn: a [[sessions]] declaration; Mosquitto has none)
#   B  the broker SIGKILLed while the messages wait for an offline consumer, then restarted
#   C  the consumer SIGKILLed while it handles, then restarted:
#      mosquitto_sub piped into a handler (the library acknowledges on arrival) against
#      ./cairn sub --exec (acknowledges after the handler exits 0), each against both brokers
# Needs mosquitto, mosquitto_pub, mosquitto_sub. Prints a Markdown table.
#   N=100 bench/reliable-consumption.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=${N:-100}
PORT=${CAIRN_BENCH_PORT:-18841}
JAR="$ROOT/broker/target/cairn.jar"
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -B -ntp -DskipTests package)
TMP=$(mktemp -d)
BPID=
trap 'kill -9 $BPID 2>/dev/null || true; pkill -9 -f "cairn.jar sub" 2>/dev/null || true; rm -rf "$TMP"' EXIT

start() { # BROKER [keep]: cairn | mosquitto; keep = keep the data
    [ "${2:-}" = keep ] || rm -rf "$TMP/data" && mkdir -p "$TMP/data"
    if [ "$1" = cairn ]; then
        cat >"$TMP/cairn.toml" <<TOML
[[listeners]]
type = "tcp"
bind = "127.0.0.1:$PORT"
[storage]
dir = "$TMP/data"
[[sessions]]
client_id = "worker-a"
subscriptions = [ { filter = "orders/a", qos = 1 } ]
TOML
        java -jar "$JAR" --config "$TMP/cairn.toml" >"$TMP/broker.log" 2>&1 &
    else
        cat >"$TMP/mosquitto.conf" <<CONF
listener $PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $TMP/data/
CONF
        mosquitto -c "$TMP/mosquitto.conf" >"$TMP/broker.log" 2>&1 &
    fi
    BPID=$!
    for _ in $(seq 1 100); do
        mosquitto_pub -p "$PORT" -t ping -m x 2>/dev/null && return
        sleep 0.1
    done
    echo "$1 did not start" >&2; cat "$TMP/broker.log" >&2; exit 1
}
crash() { kill -9 "$BPID"; wait "$BPID" 2>/dev/null || true; }
stop() { kill "$BPID"; wait "$BPID" 2>/dev/null || true; }
publish() { # TOPIC
    seq 1 "$N" | sed 's/^/m/' | mosquitto_pub -p "$PORT" -q 1 -t "$1" -l
}
consume() { # CLIENT TOPIC OUT SECONDS: ./cairn sub --exec for SECONDS, then SIGTERM
    java -jar "$JAR" sub -p "$PORT" -i "$1" -q 1 -t "$2" --exec "cat >> $3; echo >> $3" 2>>"$TMP/consumer.log" &
    local pid=$!
    sleep "$4"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
handled() { # OUT: distinct messages handled
    [ -f "$1" ] && grep -c . "$1" | tr -d '\n' && printf ' (%s distinct)' "$(sort -u "$1" | grep -c .)" || printf '0'
}

echo "| scenario | broker | handled of $N | what the consumer did |"
echo "|---|---|---|---|"
for broker in cairn mosquitto; do
    # A: published before the consumer ever ran
    start "$broker"
    publish orders/a
    consume worker-a orders/a "$TMP/a-$broker" 4
    echo "| A: published before the first run | $broker | $(handled "$TMP/a-$broker") | ./cairn sub -i worker-a --exec, first run |"
    stop

    # B: the broker killed while the messages wait
    start "$broker"
    java -jar "$JAR" sub -p "$PORT" -i worker-b -c -q 1 -t orders/b -E 2>>"$TMP/consumer.log"
    publish orders/b
    sleep 1
    crash
    start "$broker" keep
    consume worker-b orders/b "$TMP/b-$broker" 4
    echo "| B: broker SIGKILLed, messages queued | $broker | $(handled "$TMP/b-$broker") | ./cairn sub -i worker-b --exec after the restart |"
    stop

    # C1: mosquitto_sub into a slow handler, both killed mid-way, then a second run
    start "$broker"
    mosquitto_sub -p "$PORT" -i worker-c1 -c -q 1 -t orders/c1 -E
    publish orders/c1
    out="$TMP/c1-$broker"
    # its own process group, so that the kill takes mosquitto_sub and the handler together, as a crash would
    setsid bash -c "mosquitto_sub -p $PORT -i worker-c1 -c -q 1 -t orders/c1 | while read -r l; do sleep 0.02; echo \"\$l\" >> $out; done" &
    cpid=$!
    sleep 0.8
    kill -9 -- "-$cpid" 2>/dev/null || true; wait "$cpid" 2>/dev/null || true
    timeout 3 mosquitto_sub -p "$PORT" -i worker-c1 -c -q 1 -t orders/c1 >> "$out" || true
    echo "| C: consumer SIGKILLed while handling | $broker | $(handled "$out") | mosquitto_sub \| handler, killed at 0.8 s, run again |"

    # C2: ./cairn sub --exec with a slow handler, killed mid-way, then a second run
    java -jar "$JAR" sub -p "$PORT" -i worker-c2 -c -q 1 -t orders/c2 -E 2>>"$TMP/consumer.log"
    publish orders/c2
    out="$TMP/c2-$broker"
    java -jar "$JAR" sub -p "$PORT" -i worker-c2 -q 1 -t orders/c2 --exec "sleep 0.02; cat >> $out; echo >> $out" \
        2>>"$TMP/consumer.log" &
    cpid=$!
    sleep 2
    kill -9 "$cpid" 2>/dev/null || true; wait "$cpid" 2>/dev/null || true
    consume worker-c2 orders/c2 "$out" 8
    echo "| C: consumer SIGKILLed while handling | $broker | $(handled "$out") | ./cairn sub --exec, killed at 2 s, run again |"
    stop
done
