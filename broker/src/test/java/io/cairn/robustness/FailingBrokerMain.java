package io.cairn.robustness;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;
import io.cairn.fault.FailStop;

import java.util.List;

/**
 * A broker in its own JVM whose engine fails when client {@value FailingStore#VICTIM} connects with
 * a persistent session; the production {@link FailStop} then stops the process. Prints
 * {@code CAIRN READY PORT} once it serves.
 */
public final class FailingBrokerMain {

    private FailingBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        BrokerConfig config = BrokerConfig.defaults().withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", 0)))
                .withStorage(BrokerConfig.Storage.defaults().withDurability("memory"));
        Broker broker = Broker.start(config, new FailingStore(), FailStop.PROCESS_EXIT);
        System.out.println("CAIRN READY " + broker.boundAddresses().get(0).getPort());
        System.out.flush();
        broker.awaitClose();
    }
}
