#!/usr/bin/env bash
# bench/compare.sh
#
# Cairn (durability sync) beside Mosquitto (in RAM, ../shared/bench/mosquitto/mosquitto-mem.conf
# settings, written out below) on this machine, with the project's own load generator
# (bench/loadgen, built by bench/loadgen.sh). Every scenario uses MQTT 5 persistent sessions (Clean
# Start 0, Session Expiry 300 s, expiry set to 0 in the closing DISCONNECT so no session outlives its
# run). Runs are interleaved (Cairn, Mosquitto, Cairn, ...) so that the machine's noise falls on both
# alike; figures are medians. Prints a Markdown table on stdout, progress on stderr.
#
# Scenarios (ONLY= selects, by these names):
#   qos0     fan-in QoS 0, 4 pub -> 1 sub (PREFIX/#), 64 B, delivered msg/s
#   qos1     fan-in QoS 1, 4 -> 1, 64 B, acknowledged msg/s
#   qos2     fan-in QoS 2, 4 -> 1, 64 B, acknowledged (PUBCOMP) msg/s
#   fanout   QoS 1, 1 pub -> 50 subs on one topic, 64 B, delivered msg/s (50 per publish)
#   latency  QoS 1, 1 -> 1 at 5,000 msg/s, end-to-end p50 and p99
#   idle     10,000 idle connections (CONNECT + SUBSCRIBE), broker RSS per connection; each run
#            on freshly started brokers
#   large    QoS 1, 1 -> 1, 256 KiB payloads, acknowledged msg/s and delivered MB/s
#   window1  QoS 1, 64 pub (window 1 each) -> 1 sub, acknowledged msg/s
# The throughput scenarios bound the publishers' lead over the subscriber (--max-backlog) as
# ../shared/bench/run-scenarios.sh does, so neither broker is measured while it piles up a queue.
#
# Environment:
#   RUNS=3        runs per scenario and broker (default 3; 1 with QUICK=1)
#   QUICK=1       3 s per measurement instead of 10 s, 1,000 idle connections: a smoke test
#   ONLY="qos1 latency"  run only these scenarios
#   OUT=DIR       raw loadgen output (default: bench/results/compare-<date>)
#   CAIRN_PORT=18831 MOSQUITTO_PORT=18841
#   LOADGEN_THREADS=1  the generator's event-loop threads (-T; 1 as in crosscheck.sh, where it was checked)
# Hold the machine-wide lock while measuring:  flock /tmp/cairn-bench.lock bench/compare.sh
# Every measurement is bounded: publishing time (10 s), drain 10 s, idle 5 s, hard limit 40 s, and
# timeout(1) around the generator. A RUNS=3 run takes about 15 minutes.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then RUNS=${RUNS:-1}; SECS=3; CONNS=1000; else RUNS=${RUNS:-3}; SECS=10; CONNS=10000; fi
ALL="qos0 qos1 qos2 fanout latency idle large window1"
ONLY=${ONLY:-$ALL}
CPORT=${CAIRN_PORT:-18831}
MPORT=${MOSQUITTO_PORT:-18841}
OUT=${OUT:-$HERE/results/compare-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

command -v mosquitto >/dev/null || { echo "mosquitto not installed: apt-get install mosquitto" >&2; exit 2; }
LOADGEN_JAR=$("$HERE/loadgen.sh") || { echo "could not build bench/loadgen" >&2; exit 2; }
[ -f "$ROOT/broker/target/cairn.jar" ] || (cd "$ROOT" && mvn -q -B -ntp -DskipTests package) || exit 2
ulimit -n "$(ulimit -Hn)" # 10,000 connections, for the generator and both brokers started below
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((CONNS + 200)) ]; then
    echo "ulimit -n $(ulimit -n) is below $((CONNS + 200)): the idle scenario will fail" >&2
fi

. "$HERE/brokers.sh" # start_cairn, start_mosquitto, stop_*: CPID, MPID; cleanup at exit

LIMITS="-d $SECS --drain 10 --idle 5 --timeout 40"
declare -A ARGS DESC
DESC[qos0]="fan-in QoS 0, 4 -> 1, 64 B (delivered msg/s)"
ARGS[qos0]="pubsub -P 4 -S 1 -Q 0 -s 64 --max-backlog 1000 $LIMITS"
DESC[qos1]="fan-in QoS 1, 4 -> 1, 64 B (acked msg/s)"
ARGS[qos1]="pubsub -P 4 -S 1 -Q 1 -s 64 --max-backlog 1000 $LIMITS"
DESC[qos2]="fan-in QoS 2, 4 -> 1, 64 B (acked msg/s)"
ARGS[qos2]="pubsub -P 4 -S 1 -Q 2 -s 64 --max-backlog 1000 $LIMITS"
DESC[fanout]="fan-out QoS 1, 1 -> 50, 64 B (delivered msg/s)"
ARGS[fanout]="pubsub -P 1 -S 50 --sub-mode exact -Q 1 -s 64 --max-backlog 1000 $LIMITS"
DESC[latency]="latency QoS 1, 1 -> 1, 5,000 msg/s (p50 / p99)"
ARGS[latency]="pubsub -P 1 -S 1 -Q 1 -s 64 -r 5000 --warmup 2 $LIMITS"
DESC[idle]="$CONNS idle connections (RSS per connection)"
ARGS[idle]="conn -c $CONNS --parallel 100 --settle 2 --hold 1 --connect-timeout 60"
DESC[large]="256 KiB payloads, QoS 1, 1 -> 1 (acked msg/s, MB/s)"
ARGS[large]="pubsub -P 1 -S 1 -Q 1 -s 262144 --max-backlog 16 $LIMITS"
DESC[window1]="64 publishers, window 1, QoS 1 -> 1 sub (acked msg/s)"
ARGS[window1]="pubsub -P 64 -S 1 -Q 1 -w 1 -s 64 $LIMITS"

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; } # field NAME "RESULT line"
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }
fmt() { # 1234567 -> 1,234,567; decimals kept for small values
    awk -v v="$1" 'BEGIN { if (v == "" || v == "-") { print "-"; exit }
        if (v < 100 && v != int(v)) { printf "%.1f", v; exit }
        s = sprintf("%.0f", v); n = length(s); o = "";
        for (i = 1; i <= n; i++) { o = o substr(s, i, 1); if ((n - i) % 3 == 0 && i < n) o = o "," } print o }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else print "-" }'; }

warm_up() { # warm_up PORT: 3 s of QoS 1 fan-in, not recorded, so the first measurement meets a warm JIT
    "$HERE/loadgen.sh" pubsub -P 4 -S 1 -Q 1 -s 64 -d 3 --drain 5 --idle 5 --timeout 20 -p "$1" -V 5 \
        --persistent -T 1 -q >/dev/null 2>&1 || true
}

run_one() { # run_one cairn|mosquitto SCENARIO RUN# -> RESULT line
    local who=$1 s=$2 i=$3 port pid out
    if [ "$who" = cairn ]; then port=$CPORT pid=$CPID; else port=$MPORT pid=$MPID; fi
    # shellcheck disable=SC2086
    out=$(timeout -k 5 120 "$HERE/loadgen.sh" \
        ${ARGS[$s]} -p "$port" -V 5 --persistent -T "${LOADGEN_THREADS:-1}" -b "$pid" 2>&1)
    printf '## %s run %s: %s\n%s\n' "$who" "$i" "${ARGS[$s]}" "$out" >>"$OUT/$s.log"
    out=$(grep '^RESULT' <<<"$out" | tail -n 1)
    echo "${out:-RESULT status=no-result lost=-1 dup=-1}"
}

# the metric of a RESULT line for a scenario (the value the medians and ratios use)
metric() { # metric SCENARIO "RESULT" [p50|p99|mbps]
    case $1 in
        qos0 | fanout) field recv_rate "$2" ;;
        latency) field "${3:-p99}_us" "$2" ;;
        idle) field rss_per_conn_b "$2" ;;
        large) if [ "${3:-}" = mbps ]; then field mbps "$2"; else field ack_rate "$2"; fi ;;
        *) field ack_rate "$2" ;;
    esac
}
runs_cell() { # per run: value (lost/dup), '!' when the run did not complete
    local s=$1 r cell="" v
    shift
    for r in "$@"; do
        v=$(fmt "$(metric "$s" "$r")")
        [ "$s" = latency ] && v="$(fmt "$(metric "$s" "$r" p50)")/$v"
        if [ "$s" = idle ]; then
            cell+="$v (ok $(field ok "$r"), failed $(field failed "$r"))"
        else
            cell+="$v ($(field lost "$r")/$(field dup "$r"))"
        fi
        [ "$(field status "$r")" = complete ] || cell+="!"
        cell+=" "
    done
    echo "${cell% }"
}

echo "# compare.sh: Cairn $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null) durability=sync vs $(mosquitto -h 2>/dev/null | head -n 1 | sed 's/ (build.*//') in RAM; MQTT 5 persistent sessions; runs=$RUNS quick=$QUICK $(date -u '+%Y-%m-%d %H:%M UTC'); raw output $OUT" >&2
declare -A C M
for s in $ALL; do
    case " $ONLY " in *" $s "*) ;; *) continue ;; esac
    : >"$OUT/$s.log"
    C[$s]="" M[$s]=""
    for i in $(seq 1 "$RUNS"); do
        if [ "$s" = idle ]; then stop_cairn; stop_mosquitto; start_cairn; start_mosquitto; sleep 1; fi
        [ -n "$CPID" ] || { start_cairn; warm_up "$CPORT"; }
        [ -n "$MPID" ] || { start_mosquitto; warm_up "$MPORT"; }
        # the broker measured first alternates by run, so neither always meets the other's leftovers
        for who in $( ((i % 2)) && echo cairn mosquitto || echo mosquitto cairn); do
            r=$(run_one "$who" "$s" "$i")
            if [ "$who" = cairn ]; then C[$s]+="$r"$'\n'; else M[$s]+="$r"$'\n'; fi
            printf '%s run %s %-10s %s\n' "$s" "$i" "$who:" "$r" >&2
        done
        if [ "$s" = idle ]; then stop_cairn; stop_mosquitto; fi
    done
done
stop_cairn
stop_mosquitto

echo "| scenario | Cairn (sync) | Mosquitto (RAM) | ratio | target | met | Cairn runs (lost/dup) | Mosquitto runs (lost/dup) |"
echo "|---|---|---|---|---|---|---|---|"
for s in $ALL; do
    [ -n "${C[$s]:-}" ] || continue
    mapfile -t cr < <(printf '%s' "${C[$s]}")
    mapfile -t mr < <(printf '%s' "${M[$s]}")
    cv=(); mv=()
    for r in "${cr[@]}"; do cv+=("$(metric "$s" "$r")"); done
    for r in "${mr[@]}"; do mv+=("$(metric "$s" "$r")"); done
    cm=$(median "${cv[@]}") mm=$(median "${mv[@]}")
    case $s in
        latency)
            cp50=(); mp50=()
            for r in "${cr[@]}"; do cp50+=("$(metric "$s" "$r" p50)"); done
            for r in "${mr[@]}"; do mp50+=("$(metric "$s" "$r" p50)"); done
            cval="$(fmt "$(median "${cp50[@]}")") / $(fmt "$cm") us"
            mval="$(fmt "$(median "${mp50[@]}")") / $(fmt "$mm") us"
            rat="$(ratio "$mm" "$cm") (p99, M/C)"
            target="p99 < 300 us"
            met=$(awk -v v="$cm" 'BEGIN { print (v > 0 && v < 300) ? "yes" : "no" }')
            ;;
        idle)
            cval="$(fmt "$cm") B"; mval="$(fmt "$mm") B"
            rat="$(ratio "$mm" "$cm") (M/C)"
            target="<= 3 KiB"
            met=$(awk -v v="$cm" 'BEGIN { print (v > 0 && v <= 3072) ? "yes" : "no" }')
            ;;
        large)
            cmb=(); mmb=()
            for r in "${cr[@]}"; do cmb+=("$(metric "$s" "$r" mbps)"); done
            for r in "${mr[@]}"; do mmb+=("$(metric "$s" "$r" mbps)"); done
            cval="$(fmt "$cm") msg/s, $(fmt "$(median "${cmb[@]}")") MB/s"
            mval="$(fmt "$mm") msg/s, $(fmt "$(median "${mmb[@]}")") MB/s"
            rat=$(ratio "$cm" "$mm")
            target=">= 0.5x"
            met=$(awk -v a="$cm" -v b="$mm" 'BEGIN { print (b > 0 && a / b >= 0.5) ? "yes" : "no" }')
            ;;
        *)
            cval=$(fmt "$cm"); mval=$(fmt "$mm")
            rat=$(ratio "$cm" "$mm")
            case $s in
                qos0 | qos1 | fanout) t=3 ;;
                qos2) t=6 ;;
                window1) t="" ;;
            esac
            if [ "$s" = window1 ]; then
                target=">= 90,000 msg/s"
                met=$(awk -v v="$cm" 'BEGIN { print (v >= 90000) ? "yes" : "no" }')
            else
                target=">= ${t}x"
                met=$(awk -v a="$cm" -v b="$mm" -v t="$t" 'BEGIN { print (b > 0 && a / b >= t) ? "yes" : "no" }')
            fi
            ;;
    esac
    echo "| ${DESC[$s]} | $cval | $mval | $rat | $target | $met | $(runs_cell "$s" "${cr[@]}") | $(runs_cell "$s" "${mr[@]}") |"
done
echo
echo "Medians of $RUNS interleaved runs each ($(date -u '+%Y-%m-%d'), MQTT 5 persistent sessions, ${SECS} s per measurement). Ratio: Cairn/Mosquitto for throughput, Mosquitto/Cairn (M/C) for latency and memory, so above 1 always means Cairn does better. Per run: the figure (for latency p50/p99 us), then (lost/duplicates); '!' marks a run that did not complete (status in the raw output)."
