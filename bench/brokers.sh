# bench/brokers.sh: sourced by compare.sh and crosscheck.sh. Starts and stops the two brokers
# measured side by side: Cairn (durability sync, a fresh data directory each start) on CPORT and
# Mosquitto in RAM (the settings of ../shared/bench/mosquitto/mosquitto-mem.conf) on MPORT; their
# logs go to OUT. Sets CPID and MPID; stops both at exit. Needs ROOT, OUT, CPORT, MPORT. Optional:
# CAIRN_JVM (JVM options, default -Xmx2g), CAIRN_TASKSET (a prefix such as "taskset -c 0")
TMP=$(mktemp -d)
chmod 0777 "$TMP" # mosquitto drops root privileges to user 'mosquitto'
CPID="" MPID=""
cleanup() {
    stop_cairn
    stop_mosquitto
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() { # wait_port PORT PID
    for _ in $(seq 1 150); do
        [ -n "$(ss -Hltn "sport = :$1")" ] && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
start_cairn() { # a fresh data directory each time
    rm -rf "$TMP/cairn-data"
    cat >"$TMP/cairn.toml" <<TOML
[[listeners]]
type = "tcp"
bind = "127.0.0.1:$CPORT"

[storage]
dir = "$TMP/cairn-data"
durability = "sync"

[mqtt]
max_inflight = 100
# inbound window per 5.0 client, as Mosquitto announces with max_inflight_messages 100 (default 64)
receive_maximum = 100
max_queued_messages = 1000000
max_queued_bytes = 1073741824
TOML
    ${CAIRN_TASKSET:-} java ${CAIRN_JVM:--Xmx2g} -jar "$ROOT/broker/target/cairn.jar" --config "$TMP/cairn.toml" >>"$OUT/cairn.log" 2>&1 &
    CPID=$!
    wait_port "$CPORT" "$CPID" || { echo "Cairn did not start; see $OUT/cairn.log" >&2; exit 2; }
}
stop_cairn() {
    [ -n "$CPID" ] || return 0
    kill "$CPID" 2>/dev/null
    wait "$CPID" 2>/dev/null
    CPID=""
}
start_mosquitto() {
    cat >"$TMP/mosquitto.conf" <<CONF
listener $MPORT 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 100
max_queued_messages 1000000
log_dest stderr
log_type error
log_type warning
CONF
    mosquitto -c "$TMP/mosquitto.conf" >>"$OUT/mosquitto.log" 2>&1 &
    MPID=$!
    wait_port "$MPORT" "$MPID" || { echo "Mosquitto did not start; see $OUT/mosquitto.log" >&2; exit 2; }
}
stop_mosquitto() {
    [ -n "$MPID" ] || return 0
    kill "$MPID" 2>/dev/null
    wait "$MPID" 2>/dev/null
    MPID=""
}

