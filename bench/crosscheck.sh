#!/usr/bin/env bash
# bench/crosscheck.sh
#
# Checks the project's load generator against the shared C one (../shared/bench/mqttload, built by
# its build.sh) on one scenario: QoS 1 fan-in 4 -> 1, 64 B, MQTT 5 persistent sessions, window 100,
# --max-backlog 1000, 10 s, against Cairn (sync) and Mosquitto (RAM), one event-loop thread in both
# tools (-T 1, mqttload's default; the loadgen's is 2). Runs alternate tool and broker
# (RUNS rounds, default 3; the tool that goes first alternates by round, and each freshly started
# broker first gets one unrecorded 3 s run, so neither tool meets a cold JIT); prints one line per run
# and the medians. Hold the lock:
#   flock /tmp/cairn-bench.lock bench/crosscheck.sh
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RUNS=${RUNS:-3}
CPORT=${CAIRN_PORT:-18831}
MPORT=${MOSQUITTO_PORT:-18841}
OUT=${OUT:-$HERE/results/crosscheck-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
MQTTLOAD=${MQTTLOAD:-$("$ROOT/../shared/bench/build.sh")} || exit 2
LOADGEN_JAR=$("$HERE/loadgen.sh") || exit 2
[ -f "$ROOT/broker/target/cairn.jar" ] || (cd "$ROOT" && mvn -q -B -ntp -DskipTests package) || exit 2
. "$HERE/brokers.sh"

SCEN=(pubsub -P 4 -S 1 -Q 1 -s 64 -V 5 --persistent --max-backlog 1000 -T 1 -d 10 --drain 10 --idle 5 --timeout 40 -q)
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }

start_cairn
start_mosquitto
WARM=("${SCEN[@]}")
for k in "${!WARM[@]}"; do [ "${WARM[$k]}" = -d ] && WARM[k + 1]=3; done
for port in "$CPORT" "$MPORT"; do # warm-up, not recorded
    timeout -k 5 60 "$MQTTLOAD" "${WARM[@]}" -n 100000000 -p "$port" >/dev/null 2>&1
done
declare -A RATE P50 P99
for i in $(seq 1 "$RUNS"); do
    for broker in cairn mosquitto; do
        if [ $broker = cairn ]; then port=$CPORT pid=$CPID; else port=$MPORT pid=$MPID; fi
        if [ $((i % 2)) = 1 ]; then tools="loadgen mqttload"; else tools="mqttload loadgen"; fi
        for tool in $tools; do
            if [ $tool = loadgen ]; then
                r=$(timeout -k 5 120 "$HERE/loadgen.sh" \
                    "${SCEN[@]}" -p "$port" -b "$pid" 2>&1 | grep '^RESULT')
            else
                # mqttload needs a message count; -d 10 ends it first
                r=$(timeout -k 5 120 "$MQTTLOAD" "${SCEN[@]}" -n 100000000 -p "$port" -b "$pid" 2>&1 | grep '^RESULT')
            fi
            echo "$r" >>"$OUT/$broker-$tool.log"
            k="$broker $tool"
            RATE[$k]+="$(field recv_rate "$r") " P50[$k]+="$(field p50_us "$r") " P99[$k]+="$(field p99_us "$r") "
            printf '%-10s %-9s run %s: %s delivered msg/s, acked %s msg/s, p50 %s us, p99 %s us, lost %s, dup %s, gen cpu %s%%, broker cpu %s%%\n' \
                "$broker" "$tool" "$i" "$(field recv_rate "$r")" "$(field ack_rate "$r")" "$(field p50_us "$r")" \
                "$(field p99_us "$r")" "$(field lost "$r")" "$(field dup "$r")" "$(field gen_cpu "$r")" "$(field broker_cpu "$r")"
        done
    done
done
echo
echo "| broker | tool | delivered msg/s (median of $RUNS) | p50 us | p99 us | runs (msg/s) |"
echo "|---|---|---|---|---|---|"
for k in "cairn loadgen" "cairn mqttload" "mosquitto loadgen" "mosquitto mqttload"; do
    # shellcheck disable=SC2086
    echo "| ${k% *} | ${k#* } | $(median ${RATE[$k]}) | $(median ${P50[$k]}) | $(median ${P99[$k]}) | ${RATE[$k]% } |"
done
