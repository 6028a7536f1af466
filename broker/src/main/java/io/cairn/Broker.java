package io.cairn;

import io.cairn.config.BrokerConfig;
import io.cairn.session.SessionEngine;
import io.cairn.store.BrokerState;
import io.cairn.store.JournalStore;
import io.cairn.store.MemoryStore;
import io.cairn.store.Store;
import io.cairn.store.journal.Journal;
import io.cairn.transport.Listeners;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * One running broker: the store, the session engine and the listeners. {@link #start} recovers the
 * state, starts the engine and returns once every listener is bound; {@link #close} stops the
 * listeners, then the engine, then the store.
 *
 * <p>Threading: {@code start} and {@code close} may be called from any thread; {@code close} is
 * idempotent.
 */
public final class Broker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final Store store;
    private final SessionEngine engine;
    private final Listeners listeners;
    private final List<InetSocketAddress> addresses;
    private final CountDownLatch closed = new CountDownLatch(1);

    private Broker(Store store, SessionEngine engine, Listeners listeners, List<InetSocketAddress> addresses) {
        this.store = store;
        this.engine = engine;
        this.listeners = listeners;
        this.addresses = addresses;
    }

    /** Starts a broker on the given configuration; listeners with port 0 get a free port. */
    public static Broker start(BrokerConfig config) throws Exception {
        return start(config, openStore(config.storage()));
    }

    /** Starts a broker on a store of the caller's choosing (tests: a journal on a simulated disk). */
    public static Broker start(BrokerConfig config, Store store) throws Exception {
        long t0 = System.nanoTime();
        BrokerState state;
        try {
            state = store.recover();
        } catch (Exception e) {
            store.close();
            throw e;
        }
        SessionEngine engine = new SessionEngine(state, store, config.mqtt());
        engine.start();
        Listeners listeners = new Listeners();
        try {
            List<InetSocketAddress> addresses = listeners.bind(config, engine);
            log.info("Cairn started in {} ms (durability {})", (System.nanoTime() - t0) / 1_000_000,
                    config.storage().durability());
            return new Broker(store, engine, listeners, addresses);
        } catch (Exception e) {
            listeners.close();
            engine.close();
            store.close();
            throw e;
        }
    }

    private static Store openStore(BrokerConfig.Storage storage) {
        return switch (storage.durability()) {
            case "memory" -> new MemoryStore();
            case "periodic" -> new JournalStore(storage.dir(), Journal.Mode.PERIODIC, storage.flushIntervalMs());
            default -> new JournalStore(storage.dir(), Journal.Mode.SYNC, storage.flushIntervalMs());
        };
    }

    /** The bound address of each listener, in the order of the configuration. */
    public List<InetSocketAddress> boundAddresses() {
        return addresses;
    }

    /** The port of the first listener, convenient for tests. */
    public int port() {
        return addresses.get(0).getPort();
    }

    /** Blocks until the broker is closed. */
    public void awaitClose() throws InterruptedException {
        closed.await();
    }

    @Override
    public synchronized void close() {
        if (closed.getCount() == 0) {
            return;
        }
        listeners.close();
        engine.close();
        store.close();
        closed.countDown();
        log.info("Cairn stopped");
    }
}
