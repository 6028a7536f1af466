package io.cairn.test;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Base of test classes that share one in-process broker (embedded defaults, journal store in sync mode): started
 * before the class's first test, closed after its last. Test classes run one after another.
 */
public abstract class OneBrokerPerClass {

    protected static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /**
     * Sends {@code bad} after a good 5.0 CONNECT and asserts a DISCONNECT with {@code reason}, then
     * that the broker closes the connection [MQTT-4.13.1-1].
     */
    protected static void assertDisconnects5(String clientId, byte[] bad, int reason) throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), clientId, true, 0)) {
            c.send(bad);
            RawClient.Packet d = c.read();
            assertThat(d.type()).isEqualTo(RawClient.DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(reason);
            assertThat(c.closedWithin(2000)).as("closed after DISCONNECT [MQTT-3.14.4-2]").isTrue();
        }
    }
}
