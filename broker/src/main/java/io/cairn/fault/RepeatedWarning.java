package io.cairn.fault;

import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;

/**
 * A warning that a client can cause again and again (a full queue, per message): logged at most once
 * per interval, with how many times it happened since the last line, so that no client can fill the
 * disk with log lines.
 *
 * <p>Threading: confined to one thread (the engine's).
 */
public final class RepeatedWarning {

    private final Logger log;
    private final long intervalNanos;
    private long lastLogged;
    private long suppressed;
    private boolean loggedOnce;

    public RepeatedWarning(Logger log, long interval, TimeUnit unit) {
        this.log = log;
        this.intervalNanos = unit.toNanos(interval);
    }

    /** Logs {@code format} now, or counts it if a line was logged less than an interval ago. */
    public void warn(String format, Object... args) {
        long now = System.nanoTime();
        if (loggedOnce && now - lastLogged < intervalNanos) {
            suppressed++;
            return;
        }
        if (suppressed > 0) {
            log.warn(format + " (and {} more like it since the last such line)", append(args, suppressed));
        } else {
            log.warn(format, args);
        }
        loggedOnce = true;
        lastLogged = now;
        suppressed = 0;
    }

    private static Object[] append(Object[] args, Object last) {
        Object[] out = java.util.Arrays.copyOf(args, args.length + 1);
        out[args.length] = last;
        return out;
    }
}
