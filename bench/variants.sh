#!/usr/bin/env bash
# bench/variants.sh [SCENARIO...]
#
# One Cairn jar (durability sync, MQTT 5 persistent sessions) started in two or more ways, measured
# alternately with compare.sh's scenarios: a fresh broker per run, warmed up by WARMUP seconds of
# the same load (default 3; the C2 compiler is still busy 10-15 s after start, so 15 measures a
# broker closer to one that has run a while), RUNS runs per variant (default 3); prints the
# medians, each variant against the first.
#   VARIANTS="NAME=JVM FLAGS[@CPUS];NAME=JVM FLAGS[@CPUS];..."
# JVM FLAGS replace CAIRN_JVM's default (-Xmx2g -XX:+UseG1GC); @CPUS pins the broker with
# taskset -c CPUS (the load generator is never pinned). Example, the engine on the event loop
# against the engine on a thread of its own:
#   VARIANTS="loop=-Xmx2g -XX:+UseG1GC -Dcairn.engine=loop;thread=-Xmx2g -XX:+UseG1GC -Dcairn.engine=thread" \
#       flock /tmp/cairn-bench.lock bench/variants.sh qos1 latency window1
# Scenarios: qos0 qos1 qos2 fanout latency window1 large (default: qos0 qos1 window1). Throughput is
# msg/s (higher is better), latency the p99 in us with the p50 beside it (lower is better).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RUNS=${RUNS:-3}
SECS=${SECS:-10}
# seconds of the same load before each measurement; a fresh JVM still compiles for 10-15 s
WARMUP=${WARMUP:-3}
CPORT=${CAIRN_PORT:-18861}
MPORT=${MOSQUITTO_PORT:-18862} # brokers.sh needs one; Mosquitto is not started here
OUT=${OUT:-$HERE/results/variants-$(date +%Y%m%d-%H%M%S)}
: "${VARIANTS:?set VARIANTS=\"NAME=JVM FLAGS[@CPUS];...\" (see the head of this script)}"
mkdir -p "$OUT"
"$HERE/loadgen.sh" >/dev/null || exit 2
[ -f "$ROOT/broker/target/cairn.jar" ] || (cd "$ROOT" && mvn -q -B -ntp -DskipTests package) || exit 2
. "$HERE/brokers.sh"

LIMITS="-d $SECS --drain 10 --idle 5 --timeout 40"
declare -A ARGS METRIC
ARGS[qos0]="pubsub -P 4 -S 1 -Q 0 -s 64 --max-backlog 1000 $LIMITS"; METRIC[qos0]=recv_rate
ARGS[qos1]="pubsub -P 4 -S 1 -Q 1 -s 64 --max-backlog 1000 $LIMITS"; METRIC[qos1]=ack_rate
ARGS[qos2]="pubsub -P 4 -S 1 -Q 2 -s 64 --max-backlog 1000 $LIMITS"; METRIC[qos2]=ack_rate
ARGS[fanout]="pubsub -P 1 -S 50 --sub-mode exact -Q 1 -s 64 --max-backlog 1000 $LIMITS"; METRIC[fanout]=recv_rate
ARGS[latency]="pubsub -P 1 -S 1 -Q 1 -s 64 -r 5000 --warmup 2 $LIMITS"; METRIC[latency]=p99_us
ARGS[window1]="pubsub -P 64 -S 1 -Q 1 -w 1 -s 64 $LIMITS"; METRIC[window1]=ack_rate
ARGS[large]="pubsub -P 1 -S 1 -Q 1 -s 262144 --max-backlog 16 $LIMITS"; METRIC[large]=ack_rate
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(qos0 qos1 window1)
IFS=';' read -r -a SPECS <<<"$VARIANTS"
NAMES=() JVMS=() CPUS=()
for spec in "${SPECS[@]}"; do
    name=${spec%%=*} rest=${spec#*=}
    jvm=${rest%@*} cpus=
    [ "$rest" != "$jvm" ] && cpus=${rest##*@}
    NAMES+=("$name") JVMS+=("$jvm") CPUS+=("$cpus")
done
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }

echo "# ${TITLE:-variants.sh}: Cairn $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null) durability=sync, runs=$RUNS, $(date -u '+%Y-%m-%d %H:%M UTC'); raw output $OUT"
for v in "${!NAMES[@]}"; do
    echo "- ${NAMES[$v]}: JVM \`${JVMS[$v]}\`${CPUS[$v]:+, taskset -c ${CPUS[$v]}}"
done
echo
printf '| scenario |'; for n in "${NAMES[@]}"; do printf ' %s |' "$n"; done; printf ' runs |\n'
printf '|---|'; for _ in "${NAMES[@]}"; do printf -- '---|'; done; printf -- '---|\n'
for s in "${SCENARIOS[@]}"; do
    [ -n "${ARGS[$s]:-}" ] || { echo "unknown scenario $s" >&2; exit 2; }
    declare -A RES=() P50=()
    for i in $(seq 1 "$RUNS"); do
        for v in "${!NAMES[@]}"; do
            CAIRN_JVM="${JVMS[$v]}" CAIRN_TASKSET="${CPUS[$v]:+taskset -c ${CPUS[$v]}}" start_cairn
            # shellcheck disable=SC2086
            timeout -k 5 90 "$HERE/loadgen.sh" ${ARGS[$s]/-d $SECS/-d $WARMUP} -p "$CPORT" -V 5 --persistent >/dev/null 2>&1
            # shellcheck disable=SC2086
            r=$(timeout -k 5 120 "$HERE/loadgen.sh" ${ARGS[$s]} -p "$CPORT" -V 5 --persistent -b "$CPID" 2>&1 \
                | tee -a "$OUT/$s-${NAMES[$v]}.log" | grep '^RESULT' | tail -n 1)
            stop_cairn
            x=$(field "${METRIC[$s]}" "$r")
            [ "$(field status "$r")" = complete ] && [ "$(field lost "$r")" = 0 ] && [ "$(field dup "$r")" = 0 ] \
                || x="${x:-0}!"
            RES[$v]="${RES[$v]:-} $x"
            P50[$v]="${P50[$v]:-} $(field p50_us "$r")"
        done
    done
    printf '| %s (%s) |' "$s" "${METRIC[$s]}"
    first=
    for v in "${!NAMES[@]}"; do
        # shellcheck disable=SC2086
        m=$(median $(tr -d '!' <<<"${RES[$v]}"))
        [ -z "$first" ] && first=$m
        rel=$(awk -v a="$m" -v b="$first" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else print "-" }')
        # shellcheck disable=SC2086
        [ "$s" = latency ] && m="$(median ${P50[$v]}) / $m"
        [ "$v" = 0 ] && printf ' %s |' "$m" || printf ' %s (%s) |' "$m" "$rel"
    done
    printf ' %s |\n' "$(for v in "${!NAMES[@]}"; do printf '%s:%s ' "${NAMES[$v]}" "$(tr ' ' ',' <<<"${RES[$v]# }")"; done)"
    unset RES P50
done
echo
echo "Each variant's median, and its ratio to the first. '!' marks a run that did not complete, lost or duplicated messages (raw output in $OUT)."
