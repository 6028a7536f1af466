package io.cairn.admin;

import io.cairn.stats.BrokerStats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The figures an operator looks at first, as {@code name value} pairs in a fixed order: what
 * {@code ./cairn status} prints and what the broker logs every minute while clients are connected.
 *
 * <p>Threading: stateless; {@link #of} may be called from any thread (it reads volatile figures and
 * lists the journal directory).
 */
public final class StatusReport {

    private StatusReport() {
    }

    /** The figures now; {@code journalDir} may be null (durability memory). */
    public static Map<String, String> of(BrokerStats stats, Path journalDir) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("connections", Long.toString(stats.connections.get()));
        f.put("sessions_online", Long.toString(stats.sessionsOnline));
        f.put("sessions_offline", Long.toString(stats.sessionsOffline));
        f.put("messages_queued", Long.toString(stats.heldMessages));
        f.put("held_bytes", Long.toString(stats.heldBytes));
        f.put("subscriptions", Long.toString(stats.subscriptions));
        f.put("shared_subscriptions", Long.toString(stats.sharedSubscriptions));
        f.put("shared_queued", Long.toString(stats.sharedQueued));
        f.put("retained_messages", Long.toString(stats.retainedMessages));
        f.put("journal_bytes", Long.toString(sizeOf(journalDir)));
        f.put("last_fsync_us", Long.toString(stats.lastFsyncNanos / 1000));
        return f;
    }

    /** One log line: {@code name=value} pairs. */
    public static String line(Map<String, String> figures) {
        StringBuilder b = new StringBuilder("status:");
        figures.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }

    /** Bytes of the journal's files (segments, spares and snapshots); 0 without a journal. */
    private static long sizeOf(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }
}
