#!/usr/bin/env bash
# Memory under a flood, with admission control: a broker whose 'flood/#' filter may hold 10 MiB gets
# QoS 1 floods (1 KiB payloads, 4 publishers, DURATION seconds) in three scenarios, each on a fresh
# broker and data directory:
#   v5-offline   MQTT 5.0 publishers, one offline persistent subscriber: refused with 0x97 when full
#   v311-offline MQTT 3.1.1 publishers, the same subscriber: held (reading paused) when full
#   v5-stalled   MQTT 5.0 publishers, one online subscriber that stops reading (SIGSTOP)
# It samples the broker's RSS every 0.5 s and, at the end, forces a GC (jcmd) and reads the live heap
# and what the broker counts as held from /metrics. Prints a Markdown table.
#
# usage: bench/admission-rss.sh [broker/target/cairn.jar]     env: DURATION (20), XMX (256m)
# needs: mosquitto-clients, jcmd (the JDK), ../shared/bench/mqttload (built by its build.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${1:-$ROOT/broker/target/cairn.jar}
DURATION=${DURATION:-20}
XMX=${XMX:-256m}
LOAD=${LOAD:-$("$ROOT/../shared/bench/build.sh")}
PORT=18831
METRICS=19091
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
metric() { curl -s "127.0.0.1:$METRICS/metrics" | awk -v m="$1" '$1 == m {printf "%.0f", $2}'; }
heap_after_gc_kb() {
    jcmd "$1" GC.run >/dev/null
    sleep 1
    curl -s "127.0.0.1:$METRICS/metrics" | awk '/^jvm_memory_used_bytes\{area="heap"/ {s += $NF} END {printf "%.0f", s / 1024}'
}

start_broker() {
    rm -rf "$WORK/data"
    cat > "$WORK/cairn.toml" <<TOML
[[listeners]]
type = "tcp"
bind = "127.0.0.1:$PORT"
[storage]
dir = "data"
[router.custom_segment.'flood/#']
max_segment_size = 1048576
max_segment_count = 10
[metrics]
bind = "127.0.0.1:$METRICS"
sys_interval_s = 0
TOML
    java "-Xmx$XMX" -jar "$JAR" --config "$WORK/cairn.toml" > "$WORK/broker-$1.log" 2>&1 &
    BROKER=$!
    for _ in $(seq 100); do
        curl -s "127.0.0.1:$METRICS/metrics" >/dev/null && return 0
        sleep 0.1
    done
    echo "broker did not start; see $WORK/broker-$1.log" >&2
    exit 1
}

sample_max_rss() { # pid seconds -> max RSS in kB while it runs
    local max=0 r
    for _ in $(seq $(( $2 * 2 ))); do
        r=$(rss_kb "$1"); [ "$r" -gt "$max" ] && max=$r
        sleep 0.5
    done
    echo "$max"
}

run() { # name mqtt-version subscriber-mode
    local name=$1 version=$2 mode=$3 sub="" expiry=()
    start_broker "$name"
    local v=mqttv5; [ "$version" = 311 ] && v=mqttv311
    if [ "$mode" = offline ]; then
        [ "$version" = 5 ] && expiry=(-x 3600)
        mosquitto_sub -p "$PORT" -V "$v" -c -i offline-sub -q 1 -t 'flood/#' -E "${expiry[@]}"
    else
        mosquitto_sub -p "$PORT" -V "$v" -i stalled-sub -q 1 -t 'flood/#' > /dev/null &
        sub=$!
        sleep 1
        kill -STOP "$sub"
    fi
    sleep 1
    local base_rss base_heap
    base_heap=$(heap_after_gc_kb "$BROKER")
    base_rss=$(rss_kb "$BROKER")
    "$LOAD" pubsub -p "$PORT" -V "$version" -P 4 -S 0 -Q 1 -s 1024 -d "$DURATION" --idle "$DURATION" -t flood -q \
        > "$WORK/load-$name.txt" 2>&1 &
    local load=$!
    local max_rss; max_rss=$(sample_max_rss "$BROKER" "$DURATION")
    wait "$load" || true
    local held refused heldp end_heap end_rss acked
    held=$(metric cairn_held_bytes)
    refused=$(metric cairn_publishes_refused_total)
    acked=$(sed -n 's/.*acked=\([0-9]*\).*pub_errors=\([0-9]*\).*/\1 \2/p' "$WORK/load-$name.txt" | awk '{print $1 - $2}')
    end_heap=$(heap_after_gc_kb "$BROKER")
    end_rss=$(rss_kb "$BROKER")
    local delivered="-"
    if [ "$mode" = offline ]; then # the subscriber returns: everything acknowledged must arrive
        delivered=$(timeout 60 mosquitto_sub -p "$PORT" -V "$v" -c -i offline-sub -q 1 -t 'flood/#' -W 5 -F 'm' \
            "${expiry[@]}" 2>/dev/null | grep -c '^m$' || true)
    fi
    printf '| %s | %s | %s | %s | %s | %d | %d | %d | %d | %d |\n' "$name" "${acked:-?}" "$refused" \
        "$(metric cairn_publishers_held_total)" "$delivered" "$(( held / 1024 ))" "$(( (end_heap - base_heap) ))" \
        "$base_rss" "$max_rss" "$end_rss"
    [ -n "$sub" ] && kill -CONT "$sub" && kill "$sub"
    kill "$BROKER"; wait "$BROKER" 2>/dev/null || true
}

echo "flood: 4 publishers, QoS 1, 1 KiB, ${DURATION} s; 'flood/#' budget 10 MiB (10240 KiB); -Xmx$XMX; $(date -u +%F)"
echo
echo "| scenario | acknowledged | refused 0x97 | publishers held | delivered on return | held KiB (counted) | live heap growth KiB (after GC) | RSS before KiB | RSS max KiB | RSS after KiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
run v5-offline 5 offline
run v311-offline 311 offline
run v5-stalled 5 stalled
