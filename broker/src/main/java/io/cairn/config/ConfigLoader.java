package io.cairn.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.cairn.security.Acl;
import io.cairn.security.PasswordFile;
import io.cairn.security.SecurityFileException;
import io.cairn.tls.PemFiles;
import io.cairn.topic.Topics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a TOML configuration file into a {@link BrokerConfig}: keys absent from the file keep their
 * embedded defaults, a {@code [[listeners]]} list replaces the default listeners, and paths are
 * relative to the file's own folder. Every key is checked; all problems are reported together, each
 * as {@code FILE:LINE: key 'section.key' = value: allowed ...}, in line order. Unknown keys are
 * errors, so a typo never passes silently. The checks across keys (at least one listener, no two on
 * the same address and port, TLS keys only on TLS listeners, the certificate user name only with a
 * client CA) are made here, so start-up and {@code check-config} refuse exactly the same files.
 *
 * <p>Threading: {@link #load} is safe from any thread; each call uses its own loader instance.
 */
public final class ConfigLoader {

    private static final Map<String, Set<String>> KNOWN_KEYS = Map.of(
            "listeners", Set.of("type", "bind", "path", "cert", "key", "client_ca", "use_identity_as_username",
                    "allowed_origins"),
            "storage", Set.of("dir", "durability", "flush_interval_ms", "segment_size"),
            "mqtt", Set.of("max_keepalive", "receive_maximum", "max_inflight", "max_packet_size", "max_qos",
                    "retain_available", "topic_alias_maximum", "session_expiry_max", "max_queued_messages",
                    "max_queued_bytes", "queue_qos0", "max_topic_levels", "max_incomplete_packet_bytes",
                    "incomplete_packet_timeout_s", "max_connections", "response_information"),
            "router", Set.of("max_segment_size", "max_segment_count", "overflow", "custom_segment", "hold_timeout_s"),
            "metrics", Set.of("bind", "sys_interval_s"),
            "auth", Set.of("allow_anonymous", "password_file", "acl_file"),
            "log", Set.of("level", "clients", "file", "max_file_size", "max_history"),
            "sessions", Set.of("client_id", "subscriptions", "expiry"));

    private static final Set<String> SUBSCRIPTION_KEYS = Set.of("filter", "qos");

    private record Problem(int line, String message) {}

    private final Path file;
    private final Path folder;
    private final Map<String, Integer> lines;
    private final List<Problem> errors = new ArrayList<>();

    private ConfigLoader(Path file, String text) {
        this.file = file;
        Path parent = file.toAbsolutePath().getParent();
        this.folder = parent == null ? Path.of(".") : parent;
        this.lines = KeyLines.index(text);
    }

    /** Loads and validates the file; throws with every problem found. */
    public static BrokerConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read the configuration file: " + e.getMessage()));
        }
        JsonNode root;
        try {
            root = new TomlMapper().readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new ConfigException(List.of(file + ":" + line + ": not valid TOML: " + e.getOriginalMessage()));
        }
        ConfigLoader loader = new ConfigLoader(file, text);
        BrokerConfig config = loader.read(root == null ? new TomlMapper().createObjectNode() : root);
        if (!loader.errors.isEmpty()) {
            throw new ConfigException(loader.errors.stream().sorted(Comparator.comparingInt(Problem::line))
                    .map(Problem::message).toList());
        }
        return config;
    }

    private BrokerConfig read(JsonNode root) {
        BrokerConfig d = BrokerConfig.defaults();
        checkKnown(root, "", KNOWN_KEYS.keySet());
        List<BrokerConfig.Listener> listeners = root.has("listeners") ? listeners(root.get("listeners")) : d.listeners();
        BrokerConfig.Mqtt mqtt = mqtt(section(root, "mqtt"), d.mqtt());
        return new BrokerConfig(listeners, storage(section(root, "storage"), d.storage()),
                mqtt, router(section(root, "router"), d.router()),
                metrics(section(root, "metrics"), d.metrics()), auth(section(root, "auth"), d.auth()),
                log(section(root, "log"), d.log()),
                root.has("sessions") ? sessions(root.get("sessions"), mqtt) : d.sessions());
    }

    // ---------------------------------------------------------------- sections

    private List<BrokerConfig.Listener> listeners(JsonNode node) {
        List<BrokerConfig.Listener> out = new ArrayList<>();
        if (!node.isArray() || node.isEmpty()) {
            error("listeners", node, "a list of at least one [[listeners]] table");
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            BrokerConfig.Listener l = listener(node.get(i), "listeners[" + i + "]");
            if (l != null) {
                distinctBind(out, l, "listeners[" + i + "]");
                out.add(l);
            }
        }
        return out;
    }

    /** One listener, or null if its bind is unusable (the error is recorded). */
    private BrokerConfig.Listener listener(JsonNode l, String at) {
        checkKnown(l, at, KNOWN_KEYS.get("listeners"));
        String type = oneOf(l, at, "type", "tcp", "tcp", "tls", "ws", "wss");
        HostPort bind = hostPort(l, at, "bind", null);
        boolean web = type.equals("ws") || type.equals("wss");
        String path = string(l, at, "path", web ? "/mqtt" : null);
        if (path != null && !web) {
            error(at + ".path", l.get("path"), "only for ws and wss listeners");
        } else if (path != null && !path.startsWith("/")) {
            error(at + ".path", l.get("path"), "a path starting with '/'");
        }
        Path cert = file(l, at, "cert");
        Path key = file(l, at, "key");
        Path clientCa = file(l, at, "client_ca");
        boolean identity = bool(l, at, "use_identity_as_username", false);
        List<String> origins = origins(l, at, web);
        tlsKeys(l, at, type, cert != null && key != null);
        if (type.equals("tls") || type.equals("wss")) {
            pemFiles(l, at, readable(cert), readable(key), readable(clientCa));
        }
        return bind == null ? null
                : new BrokerConfig.Listener(type, bind.host, bind.port, path, cert, key, clientCa, identity, origins);
    }

    /** {@code allowed_origins}: a non-empty list of non-empty strings, ws and wss only; absent = null (any). */
    private List<String> origins(JsonNode l, String at, boolean web) {
        JsonNode v = l.get("allowed_origins");
        if (v == null) {
            return null;
        }
        if (!web) {
            error(at + ".allowed_origins", v, "only for ws and wss listeners");
            return null;
        }
        List<String> out = new ArrayList<>();
        v.forEach(o -> out.add(o.isTextual() ? o.asText() : ""));
        if (!v.isArray() || out.isEmpty() || out.contains("")) {
            error(at + ".allowed_origins", v, "a list of origins such as [\"https://app.example.com\"]");
            return null;
        }
        return List.copyOf(out);
    }

    /**
     * cert and key are required on tls and wss listeners and refused elsewhere, as are client_ca and
     * use_identity_as_username; the identity needs client_ca, since only a verified certificate names anyone.
     */
    private void tlsKeys(JsonNode l, String at, String type, boolean hasCertAndKey) {
        boolean tls = type.equals("tls") || type.equals("wss");
        if (tls) {
            if (!hasCertAndKey) {
                error(at + ".cert", l.get("cert"), "cert and key (PEM files) are required for " + type + " listeners");
            }
            JsonNode identity = l.get("use_identity_as_username");
            if (identity != null && identity.asBoolean(false) && !l.has("client_ca")) {
                error(at + ".use_identity_as_username", identity,
                        "true only with client_ca (the user name comes from a client certificate the broker verified)");
            }
            return;
        }
        for (String k : List.of("cert", "key", "client_ca", "use_identity_as_username")) {
            if (l.has(k)) {
                error(at + "." + k, l.get(k), "only for tls and wss listeners");
            }
        }
    }

    /**
     * Reads the PEM files of a TLS listener as start-up will (so that check-config refuses what
     * start-up would): a certificate chain, a private key that belongs to its first certificate, the
     * client CA's certificates. A null path (absent, or missing: reported already) is skipped.
     */
    private void pemFiles(JsonNode l, String at, Path cert, Path key, Path clientCa) {
        X509Certificate[] chain = pem(l, at, "cert", () -> cert == null ? null : PemFiles.certificates(cert));
        PrivateKey privateKey = pem(l, at, "key", () -> key == null ? null : PemFiles.privateKey(key));
        if (chain != null && privateKey != null) {
            pem(l, at, "key", () -> {
                PemFiles.checkPair(cert, chain[0], key, privateKey);
                return null;
            });
        }
        pem(l, at, "client_ca", () -> clientCa == null ? null : PemFiles.certificates(clientCa));
    }

    private static Path readable(Path p) {
        return p != null && Files.isRegularFile(p) ? p : null;
    }

    private interface PemRead<T> {
        T read() throws IOException;
    }

    private <T> T pem(JsonNode l, String at, String key, PemRead<T> read) {
        try {
            return read.read();
        } catch (IOException e) {
            error(at + "." + key, l.get(key), e.getMessage());
            return null;
        }
    }

    /** Two listeners cannot bind the same port on overlapping addresses (port 0 picks a free one). */
    private void distinctBind(List<BrokerConfig.Listener> earlier, BrokerConfig.Listener l, String at) {
        for (int i = 0; i < earlier.size(); i++) {
            BrokerConfig.Listener e = earlier.get(i);
            boolean overlap = e.host().equals(l.host()) || isWildcard(e.host()) || isWildcard(l.host());
            if (l.port() != 0 && e.port() == l.port() && overlap) {
                error(at + ".bind", TextNode.valueOf(hostPort(l)),
                        "a port no other listener binds on this address (listeners[" + i + "] binds "
                                + hostPort(e) + ")");
            }
        }
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
    }

    private static String hostPort(BrokerConfig.Listener l) {
        return (l.host().contains(":") ? "[" + l.host() + "]" : l.host()) + ":" + l.port();
    }

    private BrokerConfig.Storage storage(JsonNode n, BrokerConfig.Storage d) {
        checkKnown(n, "storage", KNOWN_KEYS.get("storage"));
        Path dir = n.has("dir") ? resolve(string(n, "storage", "dir", null)) : d.dir();
        String durability = oneOf(n, "storage", "durability", d.durability(), "sync", "periodic", "memory");
        int flush = (int) integer(n, "storage", "flush_interval_ms", d.flushIntervalMs(), 1, 60_000);
        long segment = integer(n, "storage", "segment_size", d.segmentSize(), 1L << 20, 1L << 30);
        return new BrokerConfig.Storage(dir, durability, flush, segment);
    }

    private BrokerConfig.Mqtt mqtt(JsonNode n, BrokerConfig.Mqtt d) {
        String s = "mqtt";
        checkKnown(n, s, KNOWN_KEYS.get(s));
        return new BrokerConfig.Mqtt(
                (int) integer(n, s, "max_keepalive", d.maxKeepalive(), 0, 65535),
                (int) integer(n, s, "receive_maximum", d.receiveMaximum(), 1, 65535),
                (int) integer(n, s, "max_inflight", d.maxInflight(), 1, 65535),
                (int) integer(n, s, "max_packet_size", d.maxPacketSize(), 16, 268_435_460),
                (int) integer(n, s, "max_qos", d.maxQos(), 0, 2),
                bool(n, s, "retain_available", d.retainAvailable()),
                (int) integer(n, s, "topic_alias_maximum", d.topicAliasMaximum(), 0, 65535),
                integer(n, s, "session_expiry_max", d.sessionExpiryMax(), 0, 4_294_967_295L),
                (int) integer(n, s, "max_queued_messages", d.maxQueuedMessages(), 1, Integer.MAX_VALUE),
                integer(n, s, "max_queued_bytes", d.maxQueuedBytes(), 1, Long.MAX_VALUE),
                bool(n, s, "queue_qos0", d.queueQos0()),
                (int) integer(n, s, "max_topic_levels", d.maxTopicLevels(), 1, 65535),
                integer(n, s, "max_incomplete_packet_bytes", d.maxIncompletePacketBytes(), 1, Long.MAX_VALUE),
                (int) integer(n, s, "incomplete_packet_timeout_s", d.incompletePacketTimeoutS(), 1, 3600),
                (int) integer(n, s, "max_connections", d.maxConnections(), 1, 10_000_000),
                responseInformation(n, d.responseInformation()));
    }

    /** A topic name (no wildcards), which the broker extends with "/" and the client id. */
    private String responseInformation(JsonNode n, String absent) {
        String v = string(n, "mqtt", "response_information", absent);
        if (v != null && !io.cairn.topic.Topics.isValidName(v)) {
            error("mqtt.response_information", n.get("response_information"), "a topic name without + or #");
            return absent;
        }
        return v;
    }

    private BrokerConfig.Router router(JsonNode n, BrokerConfig.Router d) {
        checkKnown(n, "router", KNOWN_KEYS.get("router"));
        BrokerConfig.Segment segment = segment(n, "router", d.segment());
        String overflow = oneOf(n, "router", "overflow", d.overflow(), "reject", "drop-oldest");
        int holdTimeout = (int) integer(n, "router", "hold_timeout_s", d.holdTimeoutS(), 1, 86_400);
        Map<String, BrokerConfig.Segment> custom = new LinkedHashMap<>();
        JsonNode c = n.get("custom_segment");
        if (c != null) {
            Iterator<Map.Entry<String, JsonNode>> it = c.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String at = "router.custom_segment." + KeyLines.segment(e.getKey());
                if (!Topics.isValidFilter(e.getKey())) {
                    error(at, null, "a valid MQTT topic filter ('#' only last and a whole level, '+' a whole level)");
                }
                checkKnown(e.getValue(), at, Set.of("max_segment_size", "max_segment_count"));
                custom.put(e.getKey(), segment(e.getValue(), at, segment));
            }
        }
        return new BrokerConfig.Router(segment, overflow, Map.copyOf(custom), holdTimeout);
    }

    private BrokerConfig.Segment segment(JsonNode n, String at, BrokerConfig.Segment d) {
        return new BrokerConfig.Segment(integer(n, at, "max_segment_size", d.maxSegmentSize(), 1, 1L << 40),
                (int) integer(n, at, "max_segment_count", d.maxSegmentCount(), 1, 1 << 20));
    }

    private BrokerConfig.Metrics metrics(JsonNode n, BrokerConfig.Metrics d) {
        checkKnown(n, "metrics", KNOWN_KEYS.get("metrics"));
        HostPort bind = hostPort(n, "metrics", "bind", null);
        int sys = (int) integer(n, "metrics", "sys_interval_s", d.sysIntervalS(), 0, 86_400);
        return bind == null ? new BrokerConfig.Metrics(null, 0, sys) : new BrokerConfig.Metrics(bind.host, bind.port, sys);
    }

    private BrokerConfig.Auth auth(JsonNode n, BrokerConfig.Auth d) {
        checkKnown(n, "auth", KNOWN_KEYS.get("auth"));
        boolean anonymous = bool(n, "auth", "allow_anonymous", d.allowAnonymous());
        Path passwords = file(n, "auth", "password_file");
        Path acl = file(n, "auth", "acl_file");
        // parsed here as start-up parses them, so check-config refuses the same files
        parses(n, "auth.password_file", passwords, PasswordFile::load);
        parses(n, "auth.acl_file", acl, Acl::load);
        return new BrokerConfig.Auth(anonymous, passwords, acl);
    }

    private static final Pattern FILE_SIZE = Pattern.compile("^(\\d{1,12})\\s*(KB|MB|GB)?$", Pattern.CASE_INSENSITIVE);

    /**
     * [log]: the file need not exist (it is created), but its folder must, so that start-up does not
     * fail later; sizes are written as Logback writes them ("10MB", "512KB", or bytes).
     */
    private BrokerConfig.Log log(JsonNode n, BrokerConfig.Log d) {
        checkKnown(n, "log", KNOWN_KEYS.get("log"));
        String level = string(n, "log", "level", d.level()).toUpperCase(java.util.Locale.ROOT);
        if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(level)) {
            error("log.level", n.get("level"), "one of TRACE, DEBUG, INFO, WARN, ERROR");
            level = d.level();
        }
        boolean clients = bool(n, "log", "clients", d.clients());
        Path file = n.has("file") ? resolve(string(n, "log", "file", null)) : d.file();
        if (file != null && (file.getParent() == null || !Files.isDirectory(file.getParent()))) {
            error("log.file", n.get("file"), "a file in an existing folder (looked for " + file.getParent() + ")");
        } else if (file != null && Files.isDirectory(file)) {
            error("log.file", n.get("file"), "a file, not a folder");
        }
        long maxSize = fileSize(n, d.maxFileSizeBytes());
        int history = (int) integer(n, "log", "max_history", d.maxHistory(), 1, 3650);
        return new BrokerConfig.Log(level, clients, file, maxSize, history);
    }

    private long fileSize(JsonNode n, long absent) {
        JsonNode v = n.get("max_file_size");
        if (v == null) {
            return absent;
        }
        Matcher m = v.isTextual() ? FILE_SIZE.matcher(v.asText().trim()) : null;
        long bytes = m != null && m.matches() ? Long.parseLong(m.group(1)) * unit(m.group(2)) : 0;
        if (bytes < 1024 || bytes > (1L << 40)) {
            error("log.max_file_size", v, "a size from 1KB to 1024GB, such as \"10MB\", \"512KB\" or \"1GB\"");
            return absent;
        }
        return bytes;
    }

    private static long unit(String suffix) {
        if (suffix == null) {
            return 1;
        }
        return switch (suffix.toUpperCase(java.util.Locale.ROOT)) {
            case "KB" -> 1L << 10;
            case "MB" -> 1L << 20;
            default -> 1L << 30;
        };
    }

    private interface SecurityFile {
        void load(Path p) throws SecurityFileException;
    }

    private void parses(JsonNode n, String key, Path file, SecurityFile parser) {
        if (file == null || !Files.isRegularFile(file)) {
            return;
        }
        try {
            parser.load(file);
        } catch (SecurityFileException e) {
            error(key, n.get(key.substring(key.indexOf('.') + 1)), e.getMessage());
        }
    }

    /**
     * [[sessions]]: declared durable sessions. Each has a client id (non-empty, no U+0000, no lone
     * surrogate, at most 65535 bytes of UTF-8, no two alike), a list of subscriptions (a valid topic
     * filter or {@code $share/...} filter within {@code max_topic_levels}, a QoS not above
     * {@code [mqtt] max_qos}) and an expiry in seconds (1..4294967295, default never).
     */
    private List<BrokerConfig.Session> sessions(JsonNode node, BrokerConfig.Mqtt mqtt) {
        List<BrokerConfig.Session> out = new ArrayList<>();
        if (!node.isArray()) {
            error("sessions", node, "a list of [[sessions]] tables");
            return out;
        }
        Map<String, Integer> seen = new java.util.HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "sessions[" + i + "]";
            JsonNode n = node.get(i);
            if (!n.isObject()) {
                error(at, n, "a [[sessions]] table");
                continue;
            }
            checkKnown(n, at, KNOWN_KEYS.get("sessions"));
            String clientId = clientId(n, at);
            if (clientId != null) {
                Integer earlier = seen.putIfAbsent(clientId, i);
                if (earlier != null) {
                    error(at + ".client_id", n.get("client_id"),
                            "a client id no other session declares (sessions[" + earlier + "] declares it)");
                    clientId = null;
                }
            }
            List<BrokerConfig.SessionSubscription> subs = sessionSubscriptions(n.get("subscriptions"), at, mqtt);
            long expiry = integer(n, at, "expiry", BrokerConfig.Session.NEVER_EXPIRES, 1, 4_294_967_295L);
            if (clientId != null && subs != null) {
                out.add(new BrokerConfig.Session(clientId, subs, expiry));
            }
        }
        return List.copyOf(out);
    }

    private String clientId(JsonNode n, String at) {
        JsonNode v = n.get("client_id");
        if (v == null) {
            error(at + ".client_id", null, "a client id is required: a non-empty string");
            return null;
        }
        String id = v.isTextual() ? v.asText() : "";
        if (id.isEmpty() || !validUtf8(id) || id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 65535) {
            error(at + ".client_id", v, "a non-empty string of valid UTF-8 (no U+0000), at most 65535 bytes");
            return null;
        }
        return id;
    }

    /** Whether a string is well-formed UTF-16 (so encodes as valid UTF-8) without U+0000 [MQTT-1.5.4-1], [MQTT-1.5.4-2]. */
    private static boolean validUtf8(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u0000') {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** The subscriptions of a declared session (absent: none); null if any is wrong (reported). */
    private List<BrokerConfig.SessionSubscription> sessionSubscriptions(JsonNode v, String at, BrokerConfig.Mqtt mqtt) {
        List<BrokerConfig.SessionSubscription> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        String key = at + ".subscriptions";
        if (!v.isArray()) {
            error(key, v, "a list of { filter = \"...\", qos = 0..2 } tables");
            return null;
        }
        boolean ok = true;
        java.util.Set<String> filters = new java.util.HashSet<>();
        for (int j = 0; j < v.size(); j++) {
            String sat = key + "[" + j + "]";
            JsonNode s = v.get(j);
            if (!s.isObject()) {
                error(sat, s, "a table { filter = \"...\", qos = 0..2 }");
                ok = false;
                continue;
            }
            checkKnown(s, sat, SUBSCRIPTION_KEYS);
            JsonNode f = s.get("filter");
            String filter = f != null && f.isTextual() ? f.asText() : null;
            String matched = filter == null ? null : Topics.isShared(filter) ? Topics.sharedFilter(filter) : filter;
            if (matched == null || !Topics.isValidFilter(matched) || Topics.tooDeep(matched, mqtt.maxTopicLevels())) {
                error(sat + ".filter", f, f == null ? "a topic filter is required, e.g. \"orders/#\""
                        : "a valid MQTT topic filter ('#' only last and a whole level, '+' a whole level; "
                        + "$share/{name}/{filter} for a shared subscription)"
                        + (mqtt.maxTopicLevels() > 0 ? " of at most " + mqtt.maxTopicLevels() + " levels" : ""));
                ok = false;
            } else if (!filters.add(filter)) {
                error(sat + ".filter", f, "a filter this session does not already declare");
                ok = false;
            }
            JsonNode q = s.get("qos");
            if (q == null || !q.isIntegralNumber() || q.asLong() < 0 || q.asLong() > mqtt.maxQos()) {
                error(sat + ".qos", q, q == null ? "a QoS is required: an integer from 0 to " + mqtt.maxQos()
                        : "an integer from 0 to " + mqtt.maxQos() + " ([mqtt] max_qos)");
                ok = false;
            } else if (filter != null) {
                out.add(new BrokerConfig.SessionSubscription(filter, q.asInt()));
            }
        }
        return ok ? List.copyOf(out) : null;
    }

    // ---------------------------------------------------------------- typed values

    private record HostPort(String host, int port) {}

    private static final Pattern HOST_PORT = Pattern.compile("^(\\[[0-9A-Fa-f:.]+]|[^:\\[\\]]+):(\\d{1,5})$");

    private HostPort hostPort(JsonNode n, String at, String key, HostPort absent) {
        JsonNode v = n.get(key);
        if (v == null) {
            if (at.startsWith("listeners")) {
                error(at + "." + key, null, "\"host:port\" is required, e.g. \"0.0.0.0:1883\"");
            }
            return absent;
        }
        Matcher m = v.isTextual() ? HOST_PORT.matcher(v.asText()) : null;
        if (m == null || !m.matches() || Integer.parseInt(m.group(2)) > 65535) {
            error(at + "." + key, v, "\"host:port\" with a port 0..65535 (IPv6 as \"[::1]:1883\")");
            return absent;
        }
        String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
        return new HostPort(host, Integer.parseInt(m.group(2)));
    }

    private long integer(JsonNode n, String at, String key, long absent, long min, long max) {
        JsonNode v = n.get(key);
        if (v == null) {
            return absent;
        }
        if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max || !v.canConvertToLong()) {
            error(at + "." + key, v, "an integer from " + min + " to " + max);
            return absent;
        }
        return v.asLong();
    }

    private boolean bool(JsonNode n, String at, String key, boolean absent) {
        JsonNode v = n.get(key);
        if (v == null) {
            return absent;
        }
        if (!v.isBoolean()) {
            error(at + "." + key, v, "true or false");
            return absent;
        }
        return v.asBoolean();
    }

    private String string(JsonNode n, String at, String key, String absent) {
        JsonNode v = n.get(key);
        if (v == null) {
            return absent;
        }
        if (!v.isTextual() || v.asText().isEmpty()) {
            error(at + "." + key, v, "a non-empty string");
            return absent;
        }
        return v.asText();
    }

    private String oneOf(JsonNode n, String at, String key, String absent, String... allowed) {
        String v = string(n, at, key, absent);
        if (v != null && !List.of(allowed).contains(v)) {
            error(at + "." + key, n.get(key), "one of " + String.join(", ", allowed));
            return absent;
        }
        return v;
    }

    private Path file(JsonNode n, String at, String key) {
        String v = string(n, at, key, null);
        if (v == null) {
            return null;
        }
        Path p = resolve(v);
        if (!Files.isRegularFile(p)) {
            error(at + "." + key, n.get(key), "an existing file (looked for " + p + ")");
        }
        return p;
    }

    private Path resolve(String path) {
        return path == null ? null : folder.resolve(path).normalize();
    }

    private JsonNode section(JsonNode root, String name) {
        JsonNode n = root.get(name);
        if (n == null) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        if (!n.isObject()) {
            error(name, n, "a table [" + name + "]");
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        return n;
    }

    private void checkKnown(JsonNode n, String at, Set<String> known) {
        if (n == null || !n.isObject()) {
            return;
        }
        n.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                String where = at.isEmpty() ? k : at + "." + k;
                error(where, null, "no such key; known here: " + String.join(", ", new java.util.TreeSet<>(known)));
            }
        });
    }

    private void error(String key, JsonNode value, String allowed) {
        int line = KeyLines.lineOf(lines, key);
        String shown = value == null ? "" : " = " + value;
        errors.add(new Problem(line, file + ":" + line + ": key '" + key + "'" + shown + ": " + allowed));
    }
}
