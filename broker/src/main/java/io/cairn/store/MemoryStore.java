package io.cairn.store;

import io.cairn.state.Command;
import io.cairn.state.BrokerState;

import java.util.List;

/**
 * Durability mode {@code memory}: nothing is written, so nothing survives a restart. Effects are
 * released as soon as the batch is committed.
 *
 * <p>Threading: {@link #commit} runs the callback on the calling (engine) thread.
 */
public final class MemoryStore implements Store {

    @Override
    public BrokerState recover() {
        return new BrokerState();
    }

    @Override
    public void commit(List<Command> commands, Runnable onDurable) {
        onDurable.run();
    }

    @Override
    public void close() {
    }
}
