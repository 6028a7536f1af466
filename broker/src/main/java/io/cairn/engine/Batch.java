package io.cairn.engine;

import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.store.Store;

import java.util.ArrayList;
import java.util.List;

/**
 * One turn of the engine: the commands applied in it and the events it produced per connection.
 * Every command is applied to the state at once; the ones that must survive a crash are handed to the
 * store at the end of the turn, and the events leave only when the store reports them durable. So an
 * acknowledgement never overtakes the record it acknowledges, and delivery order equals journal order.
 *
 * <p>Threading: engine thread only (the release callbacks run on the store's thread).
 */
final class Batch {

    private final BrokerState state;
    private final List<Command> commands = new ArrayList<>();
    private final List<Connection> touched = new ArrayList<>();
    private long now;

    Batch(BrokerState state) {
        this.state = state;
    }

    /** Starts a turn at wall-clock time {@code nowMillis}, which every decision of the turn uses. */
    void begin(long nowMillis) {
        now = nowMillis;
    }

    long now() {
        return now;
    }

    /** Applies a command now; journals it with this batch when it must survive a crash. */
    void execute(Command command, boolean durable) {
        state.apply(command);
        if (durable) {
            commands.add(command);
        }
    }

    /** Queues an event for the connection; nothing follows a close [MQTT-3.14.4-1]. */
    void send(Connection c, Outbound event) {
        if (c.closeRequested) {
            return;
        }
        c.outbox.add(event);
        touch(c);
    }

    /** Closes the connection after the events already queued for it. */
    void close(Connection c) {
        c.closeRequested = true;
        touch(c);
    }

    private void touch(Connection c) {
        if (!c.touched) {
            c.touched = true;
            touched.add(c);
        }
    }

    /** Hands the durable commands to the store; each connection's events leave when they are durable. */
    void commit(Store store) {
        if (commands.isEmpty() && touched.isEmpty()) {
            return;
        }
        List<Command> durable = List.copyOf(commands);
        commands.clear();
        if (touched.isEmpty() && onlyCompletions(durable)) {
            store.commitUnawaited(durable); // no packet waits on it: no force of its own
            return;
        }
        List<Runnable> releases = new ArrayList<>(touched.size());
        for (Connection c : touched) {
            releases.add(releaseOf(c));
        }
        touched.clear();
        store.commit(durable, () -> {
            for (Runnable r : releases) {
                r.run();
            }
        });
    }

    /**
     * Whether every command is a subscriber's final acknowledgement: lost in a crash, the message is
     * delivered again (QoS 1, DUP) or its PUBREL is sent again (QoS 2), as the protocol allows.
     */
    private static boolean onlyCompletions(List<Command> durable) {
        for (Command c : durable) {
            if (!(c instanceof Command.CompleteOutbound)) {
                return false;
            }
        }
        return true;
    }

    private static Runnable releaseOf(Connection c) {
        List<Outbound> events = List.copyOf(c.outbox);
        boolean close = c.closeRequested;
        c.outbox.clear();
        c.touched = false;
        c.unreleasedBatches.incrementAndGet();
        return () -> {
            c.output.deliver(events, close);
            c.unreleasedBatches.decrementAndGet(); // after deliver: its events are queued first
        };
    }
}
