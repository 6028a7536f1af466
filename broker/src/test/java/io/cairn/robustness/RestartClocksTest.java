package io.cairn.robustness;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Session expiry and Will Delay are deadlines on the wall clock, journaled when the connection ends:
 * a restart neither starts them again from zero (a session that should have expired while the
 * broker was down would otherwise never expire if the broker restarts often) nor forgets them.
 */
class RestartClocksTest {

    @Test
    void v5_deadlinesThatPassedWhileTheBrokerWasDownFireAtStartAndTheOthersAreKept(@TempDir Path dir) throws Exception {
        BrokerConfig config = BrokerConfig.defaults()
                .withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", 0)))
                .withStorage(BrokerConfig.Storage.defaults().withDir(dir).withDurability("sync"));
        try (Broker broker = Broker.start(config)) {
            int port = broker.boundAddresses().get(0).getPort();
            try (RawClient watch = RawClient.connected311(port, "clock-watch", false)) {
                watch.subscribe311("clock/will", 1, 1);
            }
            try (RawClient shortLived = RawClient.connected5(port, "clock-short", true, 2);
                 RawClient longLived = RawClient.connected5(port, "clock-long", true, 600)) {
                shortLived.send(disconnect5(0x00, Props.none()));
                longLived.send(disconnect5(0x00, Props.none()));
            }
            RawClient willer = new RawClient(port);
            willer.send(connectWithDelayedWill(port));
            assertThat(willer.read().u8(1)).isZero();
            willer.close(); // lost without DISCONNECT: the Will is due 2 s from now
            Thread.sleep(300); // the engine notes the loss before the broker stops
        }
        Thread.sleep(2500); // both 2 s deadlines pass while the broker is down
        try (Broker again = Broker.start(config)) {
            int port = again.boundAddresses().get(0).getPort();
            try (RawClient watch = RawClient.connected311(port, "clock-watch", false)) {
                watch.timeout(1000);
                Packet will = watch.read();
                assertThat(topicOf(will)).as("the Will whose delay ran out while the broker was down, at once")
                        .isEqualTo("clock/will");
            }
            try (RawClient shortLived = RawClient.connected5(port, "clock-short", false, 2)) {
                assertThat(shortLived.connack().u8(0)).as("session present: it expired while the broker was down")
                        .isZero();
            }
            try (RawClient longLived = RawClient.connected5(port, "clock-long", false, 600)) {
                assertThat(longLived.connack().u8(0)).as("session present: 600 s have not passed").isEqualTo(1);
            }
        }
    }

    private static byte[] connectWithDelayedWill(int port) {
        return connect("clock-willer").props(Props.of().sessionExpiry(600))
                .will("clock/will", "gone", 1, false).willProps(Props.of().willDelay(2)).v5();
    }
}
