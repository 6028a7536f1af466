package io.cairn.robustness;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * A broker in its own JVM, meant to be started under a small {@code ulimit -n} by
 * {@link FileDescriptorExhaustionTest}. Prints {@code CAIRN READY PORT OPEN MAX}: its port, the descriptors
 * open once it serves, and the limit.
 */
public final class LowFileLimitBrokerMain {

    private LowFileLimitBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        BrokerConfig config = BrokerConfig.defaults().withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", 0)))
                .withStorage(BrokerConfig.Storage.defaults().withDurability("memory"));
        Broker broker = Broker.start(config);
        var os = (com.sun.management.UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.println("CAIRN READY " + broker.boundAddresses().get(0).getPort() + " "
                + os.getOpenFileDescriptorCount() + " " + os.getMaxFileDescriptorCount());
        System.out.flush();
        broker.awaitClose();
    }
}
