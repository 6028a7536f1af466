package io.cairn.engine;

import io.cairn.fault.RepeatedWarning;
import io.cairn.state.BrokerState;
import io.cairn.stats.BrokerStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Back-pressure for clients that cannot be refused: an MQTT 3.x PUBLISH (or a SUBSCRIBE whose
 * retained messages) that does not fit a budget is neither acknowledged nor dropped; it is parked,
 * the broker stops reading from that client, and the work is tried again whenever deliveries are
 * released. Work of the client that arrives meanwhile parks behind it, so its order is kept. A client
 * held longer than the hold timeout is disconnected: nothing parked was acknowledged, so a client
 * with a lasting session sends it again when it reconnects.
 *
 * <p>Threading: engine thread only; the timeout timer only submits work to the engine.
 */
final class Holds {

    private static final Logger log = LoggerFactory.getLogger(Holds.class);

    /** Work that needs room: false if there is none yet (nothing was done then). */
    @FunctionalInterface
    interface Attempt {
        boolean tryRun();
    }

    private final BrokerState state;
    private final BrokerStats stats;
    private final ScheduledExecutorService timers;
    private final Consumer<Runnable> submit;
    private final Consumer<Connection> disconnect;
    private final long timeoutNanos;
    private final LinkedHashSet<Connection> held = new LinkedHashSet<>();
    private final RepeatedWarning holdWarning = new RepeatedWarning(log, 10, TimeUnit.SECONDS);
    private long releasesSeen;
    private int subscriptionsSeen;

    Holds(BrokerState state, BrokerStats stats, ScheduledExecutorService timers, Consumer<Runnable> submit,
          Consumer<Connection> disconnect, long timeoutSeconds) {
        this.state = state;
        this.stats = stats;
        this.timers = timers;
        this.submit = submit;
        this.disconnect = disconnect;
        this.timeoutNanos = TimeUnit.SECONDS.toNanos(timeoutSeconds);
    }

    /** Runs {@code work} now, or parks it: behind the client's parked work, or because it found no room. */
    void runOrPark(Connection c, Attempt work) {
        if (c.parked != null && !c.parked.isEmpty()) {
            c.parked.addLast(work);
        } else if (!work.tryRun()) {
            hold(c, work);
        }
    }

    private void hold(Connection c, Attempt work) {
        if (c.parked == null) {
            c.parked = new ArrayDeque<>(4);
        }
        c.parked.addLast(work);
        c.heldSinceNanos = System.nanoTime();
        held.add(c);
        stats.publishersHeld.increment();
        holdWarning.warn("a budget is full: holding MQTT 3.x client {} (reading paused) until there is room", c.clientId);
        c.output.holdReading(true);
        checkAfter(c, timeoutNanos);
    }

    private void checkAfter(Connection c, long nanos) {
        timers.schedule(() -> submit.accept(() -> expire(c)), nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * After a turn that released deliveries or changed subscriptions (a message may route
     * elsewhere now): runs parked work, oldest client first, while it fits.
     */
    void retry() {
        long releases = state.holdings().releases();
        int subscriptions = state.subscriptions().size();
        if (held.isEmpty() || (releases == releasesSeen && subscriptions == subscriptionsSeen)) {
            return;
        }
        releasesSeen = releases;
        subscriptionsSeen = subscriptions;
        List<Connection> done = new ArrayList<>();
        for (Connection c : held) {
            if (!c.current || drain(c)) {
                done.add(c);
            }
        }
        for (Connection c : done) {
            release(c);
        }
    }

    /** Runs the client's parked work in order; true when all of it ran. */
    private boolean drain(Connection c) {
        while (!c.parked.isEmpty()) {
            if (!c.parked.peekFirst().tryRun()) {
                return false;
            }
            c.parked.pollFirst();
            c.heldSinceNanos = System.nanoTime();
        }
        return true;
    }

    private void release(Connection c) {
        held.remove(c);
        c.parked.clear();
        if (c.current) {
            c.output.holdReading(false);
        }
    }

    /** The hold timer fired: a client held without progress for the whole timeout is disconnected. */
    private void expire(Connection c) {
        if (!held.contains(c)) {
            return;
        }
        long left = c.heldSinceNanos + timeoutNanos - System.nanoTime();
        if (left > 0) {
            checkAfter(c, left); // some of its work ran since: the timeout counts from that progress
            return;
        }
        release(c);
        if (c.current) {
            stats.publishersDisconnected.increment();
            log.warn("disconnecting MQTT 3.x client {}: held for {} s without room in its budgets; nothing it "
                    + "sent since was acknowledged", c.clientId, TimeUnit.NANOSECONDS.toSeconds(timeoutNanos));
            disconnect.accept(c);
        }
    }

    /** Drops the held state of a connection that ended. */
    void forget(Connection c) {
        if (held.remove(c)) {
            c.parked.clear();
        }
    }
}
