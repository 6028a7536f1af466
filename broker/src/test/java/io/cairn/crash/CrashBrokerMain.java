package io.cairn.crash;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;

import java.nio.file.Path;
import java.util.List;

/**
 * Runs a broker in its own JVM for the crash tests: {@code PORT DATA_DIR DURABILITY [MAX_QUEUED_MESSAGES]}. Prints
 * {@code CAIRN READY} once listening; it is meant to be killed with SIGKILL.
 */
public final class CrashBrokerMain {

    private CrashBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        BrokerConfig config = BrokerConfig.defaults()
                .withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", Integer.parseInt(args[0]))))
                .withStorage(BrokerConfig.Storage.defaults().withDir(Path.of(args[1])).withDurability(args[2]));
        if (args.length > 3) {
            int maxQueued = Integer.parseInt(args[3]);
            config = config.withMqtt(config.mqtt().with(m -> m.maxQueuedMessages = maxQueued));
        }
        Broker broker = Broker.start(config);
        System.out.println("CAIRN READY");
        System.out.flush();
        broker.awaitClose();
    }
}
