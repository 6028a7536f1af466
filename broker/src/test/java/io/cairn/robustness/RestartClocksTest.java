package io.cairn.robustness;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static io.cairn.test.RawClient.*;
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
                shortLived.send(packet(0xE0, bytes(0, 0)));
                longLived.send(packet(0xE0, bytes(0, 0)));
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
        byte[] willProps = concat(bytes(0x18), u32(2)); // Will Delay Interval 2 s
        byte[] will = concat(varInt(willProps.length), willProps, str("clock/will"),
                bin("gone".getBytes(StandardCharsets.UTF_8)));
        byte[] props = concat(bytes(0x11), u32(600)); // Session Expiry Interval 600 s
        // flags: Will QoS 1 (0x08), Will flag (0x04), Clean Start (0x02)
        return packet(0x10, concat(str("MQTT"), bytes(5, 0x0E), u16(60), varInt(props.length), props,
                str("clock-willer"), will));
    }
}
