package io.cairn;

import io.cairn.config.BrokerConfig;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One running broker: listeners, the session engine and the store. {@link #start} returns once every
 * listener is bound; {@link #close} stops listeners, then the engine, then the store.
 *
 * <p>Threading: {@code start} and {@code close} may be called from any thread, once each.
 */
public final class Broker implements AutoCloseable {

    private Broker() {
    }

    /** Starts a broker on the given configuration; listeners with port 0 get a free port. */
    public static Broker start(BrokerConfig config) throws Exception {
        throw new UnsupportedOperationException("not yet");
    }

    /** The bound address of each listener, in the order of the configuration. */
    public List<InetSocketAddress> boundAddresses() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Blocks until the broker is closed. */
    public void awaitClose() throws InterruptedException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void close() {
    }
}
