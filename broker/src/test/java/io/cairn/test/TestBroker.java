package io.cairn.test;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A broker started in-process on an ephemeral loopback port for one test (class), on embedded
 * defaults with the product's default durability {@code sync} (a journal in a fresh temporary
 * directory, every acknowledgement after fdatasync) unless the test says otherwise, so that the
 * conformance tests exercise the path users run. {@code -Dcairn.test.durability=memory} runs them
 * on the memory store instead.
 *
 * <p>Threading: start and close from the test thread.
 */
public final class TestBroker implements AutoCloseable {

    private static final String DURABILITY = System.getProperty("cairn.test.durability", "sync");
    /** Small segments: a test broker rolls segments often, and does not write 192 MiB of zeros at start. */
    private static final long SEGMENT_SIZE = 1L << 20;

    private final Broker broker;
    private final Path dataDir;

    private TestBroker(Broker broker, Path dataDir) {
        this.broker = broker;
        this.dataDir = dataDir;
    }

    /** Defaults, journal store, one TCP listener on 127.0.0.1:0 and one WebSocket listener. */
    public static TestBroker start() throws Exception {
        return start(m -> m);
    }

    /** As {@link #start()}, with the MQTT limits changed by {@code limits}. */
    public static TestBroker start(UnaryOperator<BrokerConfig.Mqtt> limits) throws Exception {
        return launch(c -> c.withMqtt(limits.apply(c.mqtt())));
    }

    /** Starts on a config derived from the test defaults. */
    public static TestBroker startWith(UnaryOperator<BrokerConfig> config) throws Exception {
        return launch(config);
    }

    private static TestBroker launch(UnaryOperator<BrokerConfig> change) throws Exception {
        Path dir = Files.createTempDirectory("cairn-test");
        BrokerConfig config = BrokerConfig.defaults()
                .withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", 0),
                        BrokerConfig.Listener.ws("127.0.0.1", 0, "/mqtt")))
                .withStorage(BrokerConfig.Storage.defaults().withDir(dir.resolve("data")).withDurability(DURABILITY)
                        .withSegmentSize(SEGMENT_SIZE));
        return new TestBroker(Broker.start(change.apply(config)), dir);
    }

    /** The TCP port. */
    public int port() {
        return broker.boundAddresses().get(0).getPort();
    }

    /** The WebSocket port (path /mqtt). */
    public int wsPort() {
        return broker.boundAddresses().get(1).getPort();
    }

    /** The port of the listener at {@code index} in the configuration's order. */
    public int port(int index) {
        return broker.boundAddresses().get(index).getPort();
    }

    /** {@link Broker#reload}, what SIGHUP does: certificates and keys, password and ACL files again. */
    public boolean reload() {
        return broker.reload();
    }

    /** tcp://127.0.0.1:port for Paho. */
    public String uri() {
        return "tcp://127.0.0.1:" + port();
    }

    /** The metrics endpoint's address (null unless the test's config sets {@code [metrics] bind}). */
    public java.net.InetSocketAddress metricsAddress() {
        return broker.metricsAddress();
    }

    /** The broker's figures. */
    public io.cairn.stats.BrokerStats stats() {
        return broker.stats();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker and deletes its temporary directory. */
    @Override
    public void close() {
        broker.close();
        deleteRecursively(dataDir);
    }

    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // a leftover temporary directory is not worth failing a test for
        }
    }
}
