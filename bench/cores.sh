#!/usr/bin/env bash
# bench/cores.sh [SCENARIO...]
#
# What a second core gives Cairn: runs scenarios of compare.sh against Cairn (durability sync, MQTT 5
# persistent sessions) pinned to one core (taskset -c 0) and to two (taskset -c 0,1), alternating,
# RUNS times each (default 3), and prints the medians and the two-core/one-core ratio. The load
# generator is not pinned: with the broker on core 0 it mostly runs on core 1, with the broker on
# both it shares them, so the ratio is a lower bound of what the broker gains from the core.
# Scenarios: qos0 qos1 qos2 fanout window1 (default: qos0 qos1 window1). Hold the lock:
#   flock /tmp/cairn-bench.lock bench/cores.sh
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RUNS=${RUNS:-3}
SECS=${SECS:-10}
CPORT=${CAIRN_PORT:-18861}
MPORT=${MOSQUITTO_PORT:-18862} # brokers.sh needs one; Mosquitto is not started here
OUT=${OUT:-$HERE/results/cores-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
[ "$(nproc)" -ge 2 ] || { echo "cores.sh needs two cores (nproc says $(nproc))" >&2; exit 2; }
"$HERE/loadgen.sh" >/dev/null || exit 2
[ -f "$ROOT/broker/target/cairn.jar" ] || (cd "$ROOT" && mvn -q -B -ntp -DskipTests package) || exit 2
. "$HERE/brokers.sh"

LIMITS="-d $SECS --drain 10 --idle 5 --timeout 40"
declare -A ARGS METRIC
ARGS[qos0]="pubsub -P 4 -S 1 -Q 0 -s 64 --max-backlog 1000 $LIMITS"; METRIC[qos0]=recv_rate
ARGS[qos1]="pubsub -P 4 -S 1 -Q 1 -s 64 --max-backlog 1000 $LIMITS"; METRIC[qos1]=ack_rate
ARGS[qos2]="pubsub -P 4 -S 1 -Q 2 -s 64 --max-backlog 1000 $LIMITS"; METRIC[qos2]=ack_rate
ARGS[fanout]="pubsub -P 1 -S 50 --sub-mode exact -Q 1 -s 64 --max-backlog 1000 $LIMITS"; METRIC[fanout]=recv_rate
ARGS[window1]="pubsub -P 64 -S 1 -Q 1 -w 1 -s 64 $LIMITS"; METRIC[window1]=ack_rate
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(qos0 qos1 window1)
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }

echo "# cores.sh: Cairn $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null) durability=sync, broker on 1 core vs 2, runs=$RUNS, $(date -u '+%Y-%m-%d %H:%M UTC'); raw output $OUT"
echo "| scenario | 1 core (taskset -c 0) | 2 cores (taskset -c 0,1) | 2/1 | runs 1 core | runs 2 cores |"
echo "|---|---|---|---|---|---|"
for s in "${SCENARIOS[@]}"; do
    [ -n "${ARGS[$s]:-}" ] || { echo "unknown scenario $s" >&2; exit 2; }
    one=() two=()
    for i in $(seq 1 "$RUNS"); do
        for cores in 0 0,1; do
            # G1 on both (the launcher's choice): on one CPU the JVM would otherwise pick Serial
            CAIRN_JVM="-Xmx2g -XX:+UseG1GC" CAIRN_TASKSET="taskset -c $cores" start_cairn
            # a fresh broker each run: 3 s of the same load first, so the JIT has compiled the path
            # shellcheck disable=SC2086
            timeout -k 5 60 "$HERE/loadgen.sh" ${ARGS[$s]/-d $SECS/-d 3} -p "$CPORT" -V 5 --persistent >/dev/null 2>&1
            # shellcheck disable=SC2086
            r=$(timeout -k 5 120 "$HERE/loadgen.sh" ${ARGS[$s]} -p "$CPORT" -V 5 --persistent -b "$CPID" 2>&1 \
                | tee -a "$OUT/$s-$cores.log" | grep '^RESULT' | tail -n 1)
            stop_cairn
            v=$(field "${METRIC[$s]}" "$r")
            [ "$(field status "$r")" = complete ] && [ "$(field lost "$r")" = 0 ] && [ "$(field dup "$r")" = 0 ] \
                || v="${v:-0}!"
            if [ "$cores" = 0 ]; then one+=("$v"); else two+=("$v"); fi
        done
    done
    m1=$(median "${one[@]%!}") m2=$(median "${two[@]%!}")
    echo "| $s (${METRIC[$s]}) | $m1 | $m2 | $(awk -v a="$m2" -v b="$m1" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else print "-" }') | ${one[*]} | ${two[*]} |"
done
echo
echo "'!' marks a run that did not complete, lost or duplicated messages (raw output in $OUT)."
