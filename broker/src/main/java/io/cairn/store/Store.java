package io.cairn.store;

import io.cairn.state.Command;
import io.cairn.state.BrokerState;
import io.cairn.stats.BrokerStats;

import java.util.List;

/**
 * Where the commands that must survive a crash go. The session engine applies each command to
 * {@link BrokerState} at once and hands the batch's commands to {@link #commit}; the packets the
 * batch caused (acknowledgements, deliveries) leave only when {@code onDurable} runs, that is once
 * the batch and every batch before it are durable. Two implementations: {@link MemoryStore} (nothing
 * on disk) and the journal.
 *
 * <p>Threading: {@link #recover} is called once before the engine starts; {@link #commit} only from
 * the session engine thread. {@code onDurable} callbacks run in commit order, on a thread of the
 * store's choosing, and must not block.
 */
public interface Store extends AutoCloseable {

    /**
     * Where to record the store's figures (fsync latency, group sizes, bytes written, recovery time);
     * called once, before {@link #recover}. A store with nothing to report ignores it.
     */
    default void recordInto(BrokerStats stats) {
    }

    /** The state as it was last made durable (empty for a new or memory store). */
    BrokerState recover() throws Exception;

    /**
     * Makes {@code commands} durable (an empty list is fine) and then runs {@code onDurable}, after
     * the callbacks of every earlier commit.
     */
    void commit(List<Command> commands, Runnable onDurable);

    /**
     * Makes {@code commands} durable soon, without a force of their own: for commands whose loss in a
     * crash costs only a redelivery the protocol allows, and on which no packet waits (a
     * subscriber's PUBACK or PUBCOMP, {@link Command.CompleteOutbound}). A later {@link #commit}
     * makes them durable with its own commands.
     */
    default void commitUnawaited(List<Command> commands) {
        commit(commands, () -> { });
    }

    /** False while writes fail: nothing new is accepted from clients that can be told so. */
    default boolean healthy() {
        return true;
    }

    @Override
    void close();
}
