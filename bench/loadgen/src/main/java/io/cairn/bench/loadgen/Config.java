package io.cairn.bench.loadgen;

import java.util.ArrayList;
import java.util.List;

/**
 * Command-line options of the load generator. Parsed once on the main thread, then only read
 * (immutable after {@link #parse}), so every event-loop thread may read it without synchronisation.
 */
final class Config {
    enum Mode { PUBSUB, CONN }

    Mode mode;
    String host = "127.0.0.1";
    int port = 1883;
    int mqtt = 5;
    int threads = 2;
    long brokerPid = -1;
    int keepAlive = 60;
    double connectTimeoutS = 30;
    String topicPrefix;
    boolean quiet;
    boolean persistent;
    int receiveMaximum = 65535;

    int pubs = 1;
    int subs = 1;
    boolean exactSubs; // subscriber j subscribes PREFIX/(j mod pubs) instead of PREFIX/#
    int qos;
    int size = 64;
    long count = -1;
    double durationS = -1;
    double rate;
    int window = 100;
    long maxBacklog;
    double timeoutS = 120;
    double drainS = 30;
    double idleS = 5;
    double warmupS;
    long slowLogUs; // 0: off

    int conns = 1000;
    int parallel = 100;
    double holdS = 3;
    double settleS = 1;

    static final String USAGE = String.join("\n",
            "usage: java -jar cairn-loadgen.jar pubsub|conn [options]",
            "common:",
            "  -h HOST              broker address (default 127.0.0.1)",
            "  -p PORT              broker port (default 1883)",
            "  -V 3|5               MQTT 3.1.1 or 5.0 (default 5)",
            "  -T N                 event-loop threads (default 2)",
            "  -b PID               broker pid: CPU from /proc/PID/stat, RSS from /proc/PID/status",
            "  --persistent         persistent sessions: Clean Start/Clean Session 0 and, in 5.0, Session",
            "                       Expiry Interval 300 s (set to 0 in the closing DISCONNECT)",
            "  --receive-max N      5.0 Receive Maximum sent in CONNECT (default 65535)",
            "  --keepalive S        keep alive in seconds (default 60)",
            "  --connect-timeout S  limit for connecting and subscribing (default 30)",
            "  -t PREFIX            topic prefix (default lg/<pid>-<time>); publisher i uses PREFIX/i",
            "  -q                   print only the RESULT line",
            "pubsub:",
            "  -P N                 publishers (default 1)",
            "  -S M                 subscribers (default 1)",
            "  --sub-mode wildcard|exact  PREFIX/# (default) or PREFIX/(j mod N)",
            "  -Q 0|1|2             QoS of publish and subscribe (default 0)",
            "  -s BYTES             payload size (default 64, minimum 24)",
            "  -n N                 messages per publisher (default 10000 without -d)",
            "  -d S                 publish for S seconds (with -n: whichever ends first)",
            "  -r R                 fixed total rate in msg/s over all publishers (default: as fast as acked)",
            "  -w W                 per-publisher window of unacknowledged QoS 1/2 messages (default 100)",
            "  --max-backlog B      publisher sends sequence s only once every subscriber of its topic",
            "                       has seen s-B from it (0 = off, default)",
            "  --timeout S          hard limit of the measuring phase (default 120)",
            "  --drain S            max wait for deliveries after publishing ended (default 30)",
            "  --idle S             stop when nothing progressed for S seconds (default 5)",
            "  --warmup S           leave messages sent in the first S seconds out of the latency",
            "                       figures (still counted everywhere else; default 0)",
            "  --slow-log US        print a SLOW line (wall-clock send and receive times, in ms since the",
            "                       epoch) for every message whose latency exceeds US microseconds, to",
            "                       line stalls up with the broker's log (default 0 = off)",
            "conn:",
            "  -c K                 idle connections to open (CONNECT + SUBSCRIBE, default 1000)",
            "  --parallel P         handshakes in progress at once (default 100)",
            "  --hold S             keep them open S seconds (default 3)",
            "  --settle S           wait S seconds after the last SUBACK before reading RSS (default 1)");

    static Config parse(String[] args) {
        if (args.length == 0) throw new IllegalArgumentException("missing mode");
        Config c = new Config();
        c.mode = switch (args[0]) {
            case "pubsub" -> Mode.PUBSUB;
            case "conn" -> Mode.CONN;
            default -> throw new IllegalArgumentException("mode must be pubsub or conn: " + args[0]);
        };
        List<String> a = new ArrayList<>(List.of(args).subList(1, args.length));
        for (int i = 0; i < a.size(); i++) {
            String o = a.get(i);
            switch (o) {
                case "-q", "--quiet" -> c.quiet = true;
                case "--persistent" -> c.persistent = true;
                default -> {
                    if (i + 1 >= a.size()) throw new IllegalArgumentException("missing value for " + o);
                    c.set(o, a.get(++i));
                }
            }
        }
        c.validate();
        return c;
    }

    private void set(String o, String v) {
        switch (o) {
            case "-h", "--host" -> host = v;
            case "-p", "--port" -> port = Integer.parseInt(v);
            case "-V", "--mqtt" -> mqtt = switch (v) {
                case "3", "311", "4" -> 4;
                case "5" -> 5;
                default -> throw new IllegalArgumentException("-V must be 3 or 5");
            };
            case "-T", "--threads" -> threads = Integer.parseInt(v);
            case "-b", "--broker-pid" -> brokerPid = Long.parseLong(v);
            case "--receive-max" -> receiveMaximum = Integer.parseInt(v);
            case "--keepalive" -> keepAlive = Integer.parseInt(v);
            case "--connect-timeout" -> connectTimeoutS = Double.parseDouble(v);
            case "-t", "--topic" -> topicPrefix = v;
            case "-P", "--pubs" -> pubs = Integer.parseInt(v);
            case "-S", "--subs" -> subs = Integer.parseInt(v);
            case "--sub-mode" -> exactSubs = switch (v) {
                case "wildcard" -> false;
                case "exact" -> true;
                default -> throw new IllegalArgumentException("--sub-mode must be wildcard or exact");
            };
            case "-Q", "--qos" -> qos = Integer.parseInt(v);
            case "-s", "--size" -> size = Integer.parseInt(v);
            case "-n", "--count" -> count = Long.parseLong(v);
            case "-d", "--duration" -> durationS = Double.parseDouble(v);
            case "-r", "--rate" -> rate = Double.parseDouble(v);
            case "-w", "--inflight", "--window" -> window = Integer.parseInt(v);
            case "--max-backlog" -> maxBacklog = Long.parseLong(v);
            case "--timeout" -> timeoutS = Double.parseDouble(v);
            case "--drain" -> drainS = Double.parseDouble(v);
            case "--idle" -> idleS = Double.parseDouble(v);
            case "--warmup" -> warmupS = Double.parseDouble(v);
            case "--slow-log" -> slowLogUs = Long.parseLong(v);
            case "-c", "--conns" -> conns = Integer.parseInt(v);
            case "--parallel" -> parallel = Integer.parseInt(v);
            case "--hold" -> holdS = Double.parseDouble(v);
            case "--settle" -> settleS = Double.parseDouble(v);
            default -> throw new IllegalArgumentException("unknown option " + o);
        }
    }

    private void validate() {
        if (qos < 0 || qos > 2) throw new IllegalArgumentException("-Q must be 0, 1 or 2");
        if (size < Payload.HEADER) throw new IllegalArgumentException("-s must be at least " + Payload.HEADER);
        if (window < 1 || window > 65535) throw new IllegalArgumentException("-w must be 1..65535");
        if (pubs < 1 || subs < 0 || threads < 1) throw new IllegalArgumentException("bad -P, -S or -T");
        if (count < 0 && durationS < 0) count = 10_000;
        if (count < 0) count = Long.MAX_VALUE;
        if (topicPrefix == null) topicPrefix = "lg/" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 1_000_000;
    }

    String version() {
        return mqtt == 5 ? "5" : "3.1.1";
    }
}
