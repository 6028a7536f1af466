package io.cairn.robustness;

import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.store.MemoryStore;
import io.cairn.store.Store;

import java.util.List;

/**
 * A memory store that throws an Error from {@code commit} (on the engine thread) as soon as a batch
 * holds a command of client {@value #VICTIM}: a stand-in for any bug on the engine thread.
 *
 * <p>Threading: as {@link Store}.
 */
final class FailingStore implements Store {

    static final String VICTIM = "boom";

    private final MemoryStore memory = new MemoryStore();

    @Override
    public BrokerState recover() {
        return memory.recover();
    }

    @Override
    public void commit(List<Command> commands, Runnable onDurable) {
        for (Command c : commands) {
            if (VICTIM.equals(c.clientId())) {
                throw new AssertionError("injected failure on the engine thread");
            }
        }
        memory.commit(commands, onDurable);
    }

    @Override
    public void close() {
        memory.close();
    }
}
