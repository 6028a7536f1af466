package io.cairn;

import io.cairn.config.BrokerConfig;

/** Temporary entry point until the CLI lands: starts on embedded defaults. */
public final class Cairn {
    public static void main(String[] args) throws Exception {
        Broker b = Broker.start(BrokerConfig.defaults().withStorage(BrokerConfig.Storage.defaults().withDurability("memory")));
        Runtime.getRuntime().addShutdownHook(new Thread(b::close));
        b.awaitClose();
    }
}
