package io.cairn.security;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Slows password guessing: each refused CONNECT is counted, and its refusal is answered after a
 * delay that doubles with every failure from the same address (none for the first, then 500 ms,
 * 1 s, 2 s, 4 s, at most {@link #MAX_DELAY_MS}). An address that fails nothing for
 * {@link #QUIET_MS} starts again from zero. The caller schedules the answer after the delay; it
 * never waits.
 *
 * <p>Threading: thread-safe (a concurrent map of immutable entries).
 */
public final class LoginThrottle {

    static final long FIRST_DELAY_MS = 500;
    static final long MAX_DELAY_MS = 5_000;
    static final long QUIET_MS = 60_000;
    /** Above this many addresses, stale ones are pruned; beyond it new addresses are not remembered. */
    private static final int MAX_ADDRESSES = 100_000;

    private record Failures(int count, long lastMillis) {}

    private final ConcurrentHashMap<InetAddress, Failures> failures = new ConcurrentHashMap<>();
    private final LongAdder counted;

    /** {@code counted} is incremented for every failure (the broker's {@code authFailures}). */
    public LoginThrottle(LongAdder counted) {
        this.counted = counted;
    }

    /** Records a failed attempt from {@code address} (null: unknown) and returns the delay for its refusal. */
    public long failed(InetAddress address) {
        counted.increment();
        if (address == null) {
            return 0;
        }
        long now = System.currentTimeMillis();
        if (failures.size() >= MAX_ADDRESSES) {
            failures.values().removeIf(f -> now - f.lastMillis > QUIET_MS);
            if (failures.size() >= MAX_ADDRESSES && !failures.containsKey(address)) {
                return MAX_DELAY_MS; // too many addresses failing at once: everyone waits the longest
            }
        }
        Failures f = failures.compute(address, (a, old) ->
                old == null || now - old.lastMillis > QUIET_MS ? new Failures(1, now) : new Failures(old.count + 1, now));
        return delay(f.count);
    }

    static long delay(int failuresSoFar) {
        if (failuresSoFar <= 1) {
            return 0;
        }
        int doublings = Math.min(failuresSoFar - 2, 20);
        return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS << doublings);
    }
}
