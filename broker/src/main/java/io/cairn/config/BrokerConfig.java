package io.cairn.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The whole validated configuration of one broker. Immutable; built by {@link ConfigLoader} from a
 * TOML file or by {@link #defaults()}. Every key is documented in {@code docs/configuration.md}.
 *
 * <p>Threading: immutable, safe to share between threads.
 */
public record BrokerConfig(
        List<Listener> listeners,
        Storage storage,
        Mqtt mqtt,
        Router router,
        Metrics metrics,
        Auth auth,
        Log log,
        List<Session> sessions) {

    /** As before {@code [[sessions]]}: no declared session. */
    public BrokerConfig(List<Listener> listeners, Storage storage, Mqtt mqtt, Router router, Metrics metrics,
                        Auth auth, Log log) {
        this(listeners, storage, mqtt, router, metrics, auth, log, List.of());
    }

    /**
     * A declared durable session ({@code [[sessions]]}): created at start-up if absent, with its
     * subscriptions, so that messages published before its consumer first connects are kept for it.
     * {@code expiry} is its Session Expiry Interval in seconds (4294967295: never expires), which wins
     * over what a connecting client asks for.
     */
    public record Session(String clientId, List<SessionSubscription> subscriptions, long expiry) {
        public static final long NEVER_EXPIRES = 4_294_967_295L;
    }

    /** One subscription of a declared session: a topic filter (or {@code $share/...}) and its maximum QoS. */
    public record SessionSubscription(String filter, int qos) {}

    /**
     * One network listener. {@code path} and {@code allowedOrigins} are used by ws/wss only
     * ({@code allowedOrigins} null = any origin); cert, key, clientCa and useIdentityAsUsername by
     * tls/wss only.
     */
    public record Listener(String type, String host, int port, String path,
                           Path cert, Path key, Path clientCa, boolean useIdentityAsUsername,
                           List<String> allowedOrigins) {
        public static Listener tcp(String host, int port) {
            return new Listener("tcp", host, port, null, null, null, null, false, null);
        }
        public static Listener ws(String host, int port, String path) {
            return new Listener("ws", host, port, path, null, null, null, false, null);
        }
        /** A tls listener serving {@code cert} (PEM chain) with {@code key} (PEM, PKCS#8 or PKCS#1). */
        public static Listener tls(String host, int port, Path cert, Path key) {
            return new Listener("tls", host, port, null, cert, key, null, false, null);
        }
        /** A wss listener on {@code path}. */
        public static Listener wss(String host, int port, String path, Path cert, Path key) {
            return new Listener("wss", host, port, path, cert, key, null, false, null);
        }
        /** True for tls and wss. */
        public boolean isTls() {
            return type.equals("tls") || type.equals("wss");
        }
        /** True for ws and wss. */
        public boolean isWebSocket() {
            return type.equals("ws") || type.equals("wss");
        }
        /** A copy requiring client certificates signed by {@code ca}; the CN is the user name if {@code identity}. */
        public Listener withClientCa(Path ca, boolean identity) {
            return new Listener(type, host, port, path, cert, key, ca, identity, allowedOrigins);
        }
        /** A copy accepting WebSocket upgrades only from these origins. */
        public Listener withAllowedOrigins(List<String> origins) {
            return new Listener(type, host, port, path, cert, key, clientCa, useIdentityAsUsername, List.copyOf(origins));
        }
    }

    /** Where and how durably state is kept. durability: sync | periodic | memory. */
    public record Storage(Path dir, String durability, int flushIntervalMs, long segmentSize) {
        public static final long DEFAULT_SEGMENT_SIZE = 64L << 20;

        public static Storage defaults() {
            return new Storage(Path.of("data"), "sync", 100, DEFAULT_SEGMENT_SIZE);
        }
        public Storage withDurability(String d) {
            return new Storage(dir, d, flushIntervalMs, segmentSize);
        }
        public Storage withDir(Path d) {
            return new Storage(d, durability, flushIntervalMs, segmentSize);
        }
        public Storage withSegmentSize(long bytes) {
            return new Storage(dir, durability, flushIntervalMs, bytes);
        }
    }

    /**
     * Protocol limits. Names follow docs/configuration.md; {@code maxTopicLevels} and
     * {@code maxConnections} 0 = no limit; {@code responseInformation} null = no Response Information.
     */
    public record Mqtt(int maxKeepalive, int receiveMaximum, int maxInflight, int maxPacketSize,
                       int maxQos, boolean retainAvailable, int topicAliasMaximum,
                       long sessionExpiryMax, int maxQueuedMessages, long maxQueuedBytes,
                       boolean queueQos0, int maxTopicLevels,
                       long maxIncompletePacketBytes, int incompletePacketTimeoutS, int maxConnections,
                       String responseInformation) {
        public static final long DEFAULT_MAX_INCOMPLETE_PACKET_BYTES = 64L << 20;
        public static final int DEFAULT_INCOMPLETE_PACKET_TIMEOUT_S = 30;

        public static Mqtt defaults() {
            return new Mqtt(65535, 64, 64, 1048576, 2, true, 10, 4294967295L, 100000, 104857600L, false, 0,
                    DEFAULT_MAX_INCOMPLETE_PACKET_BYTES, DEFAULT_INCOMPLETE_PACKET_TIMEOUT_S, 0, null);
        }

        /** A copy with the fields {@code change} sets, e.g. {@code m.with(b -> b.maxQos = 1)}. */
        public Mqtt with(Consumer<Builder> change) {
            Builder b = new Builder(this);
            change.accept(b);
            return b.build();
        }

        /**
         * The fields of an {@link Mqtt} to change in {@link Mqtt#with}.
         *
         * <p>Threading: mutable; used only inside {@code with}, on the calling thread.
         */
        public static final class Builder {
            public int maxKeepalive, receiveMaximum, maxInflight, maxPacketSize, maxQos, topicAliasMaximum;
            public int maxQueuedMessages, maxTopicLevels, incompletePacketTimeoutS, maxConnections;
            public long sessionExpiryMax, maxQueuedBytes, maxIncompletePacketBytes;
            public boolean retainAvailable, queueQos0;
            /** The Response Information prefix, or null: none is ever sent. */
            public String responseInformation;

            private Builder(Mqtt m) {
                maxKeepalive = m.maxKeepalive;
                receiveMaximum = m.receiveMaximum;
                maxInflight = m.maxInflight;
                maxPacketSize = m.maxPacketSize;
                maxQos = m.maxQos;
                retainAvailable = m.retainAvailable;
                topicAliasMaximum = m.topicAliasMaximum;
                sessionExpiryMax = m.sessionExpiryMax;
                maxQueuedMessages = m.maxQueuedMessages;
                maxQueuedBytes = m.maxQueuedBytes;
                queueQos0 = m.queueQos0;
                maxTopicLevels = m.maxTopicLevels;
                maxIncompletePacketBytes = m.maxIncompletePacketBytes;
                incompletePacketTimeoutS = m.incompletePacketTimeoutS;
                maxConnections = m.maxConnections;
                responseInformation = m.responseInformation;
            }

            private Mqtt build() {
                return new Mqtt(maxKeepalive, receiveMaximum, maxInflight, maxPacketSize, maxQos, retainAvailable,
                        topicAliasMaximum, sessionExpiryMax, maxQueuedMessages, maxQueuedBytes, queueQos0,
                        maxTopicLevels, maxIncompletePacketBytes, incompletePacketTimeoutS, maxConnections,
                        responseInformation);
            }
        }
    }

    /** A per-filter segment bound (rumqttd's names): a filter holds at most size x count bytes. */
    public record Segment(long maxSegmentSize, int maxSegmentCount) {
        public long capacity() {
            return Math.multiplyExact(maxSegmentSize, (long) maxSegmentCount);
        }
    }

    /**
     * The bound on what one subscription filter holds; overflow: reject | drop-oldest; how long an
     * MQTT 3.x client may be held by back-pressure before it is disconnected.
     */
    public record Router(Segment segment, String overflow, Map<String, Segment> customSegments, int holdTimeoutS) {
        public static Router defaults() {
            return new Router(new Segment(104857600L, 10), "reject", Map.of(), 60);
        }
    }

    /** Metrics: the Prometheus endpoint at host:port (host null = off), $SYS every sysIntervalS (0 = off). */
    public record Metrics(String host, int port, int sysIntervalS) {
        public static Metrics defaults() {
            return new Metrics(null, 0, 10);
        }
    }

    /**
     * Authentication and authorisation: files null when not configured. Without a password file,
     * {@code allowAnonymous = false} admits nobody.
     */
    public record Auth(boolean allowAnonymous, Path passwordFile, Path aclFile) {
        public static Auth defaults() {
            return new Auth(true, null, null);
        }
    }

    /**
     * Logging: the root {@code level} (TRACE..ERROR; CAIRN_LOG_LEVEL wins over it), whether the
     * client activity lines are written ({@code clients}), and an optional {@code file} (null: stdout
     * only) rolled daily and at {@code maxFileSizeBytes}, keeping {@code maxHistory} days of files.
     */
    public record Log(String level, boolean clients, Path file, long maxFileSizeBytes, int maxHistory) {
        public static final long DEFAULT_MAX_FILE_SIZE = 10L << 20;

        public static Log defaults() {
            return new Log("INFO", true, null, DEFAULT_MAX_FILE_SIZE, 7);
        }
        public Log withClients(boolean on) {
            return new Log(level, on, file, maxFileSizeBytes, maxHistory);
        }
        public Log withFile(Path f, long maxBytes, int history) {
            return new Log(level, clients, f, maxBytes, history);
        }
    }

    /**
     * The embedded defaults of {@code ./cairn}: loopback only (tcp 127.0.0.1:1883, ws 127.0.0.1:8083
     * /mqtt, like Mosquitto 2 without a config file), data in ./data, sync.
     */
    public static BrokerConfig defaults() {
        return new BrokerConfig(
                List.of(Listener.tcp("127.0.0.1", 1883), Listener.ws("127.0.0.1", 8083, "/mqtt")),
                Storage.defaults(), Mqtt.defaults(), Router.defaults(), Metrics.defaults(), Auth.defaults(),
                Log.defaults(), List.of());
    }

    public BrokerConfig withListeners(List<Listener> l) {
        return new BrokerConfig(l, storage, mqtt, router, metrics, auth, log, sessions);
    }

    public BrokerConfig withStorage(Storage s) {
        return new BrokerConfig(listeners, s, mqtt, router, metrics, auth, log, sessions);
    }

    public BrokerConfig withMqtt(Mqtt m) {
        return new BrokerConfig(listeners, storage, m, router, metrics, auth, log, sessions);
    }

    public BrokerConfig withRouter(Router r) {
        return new BrokerConfig(listeners, storage, mqtt, r, metrics, auth, log, sessions);
    }

    public BrokerConfig withMetrics(Metrics m) {
        return new BrokerConfig(listeners, storage, mqtt, router, m, auth, log, sessions);
    }

    public BrokerConfig withAuth(Auth a) {
        return new BrokerConfig(listeners, storage, mqtt, router, metrics, a, log, sessions);
    }

    public BrokerConfig withSessions(List<Session> s) {
        return new BrokerConfig(listeners, storage, mqtt, router, metrics, auth, log, List.copyOf(s));
    }

    public BrokerConfig withLog(Log l) {
        return new BrokerConfig(listeners, storage, mqtt, router, metrics, auth, l, sessions);
    }
}
