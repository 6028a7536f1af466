package io.cairn.conformance;

import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * 3.1.1 [MQTT-4.8.0-2]: a transient error while processing an incoming packet, such as running out
 * of resources, closes the connection that carried it. The resource is the memory the broker
 * allows all connections' incomplete packets together ({@code max_incomplete_packet_bytes}); see
 * IncompletePacketTest for that limit itself.
 */
class V311TransientErrorConformanceTest {

    @Test
    void v311_MQTT_4_8_0_2_aPacketThatWouldExhaustTheBuffersClosesOnlyItsConnection() throws Exception {
        try (TestBroker broker = TestBroker.start(m -> m.with(b -> b.maxIncompletePacketBytes = 500_000));
             RawClient sub = RawClient.connected311(broker.port(), "exhaust-sub", true);
             RawClient holder = RawClient.connected311(broker.port(), "exhaust-holder", true);
             RawClient big = RawClient.connected311(broker.port(), "exhaust-big", true)) {
            sub.subscribe311("exhaust/#", 0, 1);
            byte[] large = Packets.publish311("exhaust/big", 0, false, false, 0, new byte[400_000]);
            holder.send(Arrays.copyOf(large, 300_000)); // 300,000 bytes held, packet incomplete
            Thread.sleep(300);
            try {
                big.send(large); // 300,000 + 400,000 passes the 500,000 the broker allows
            } catch (IOException reset) {
                // the broker may close while the bytes are still going out
            }
            assertThat(big.closedWithin(3000)).as("the connection that carried it is closed").isTrue();
            assertThat(holder.stillOpenAfter(100)).as("the others stay").isTrue();
            try (RawClient pub = RawClient.connected311(broker.port(), "exhaust-pub", true)) {
                pub.send(Packets.publish311("exhaust/small", 0, false, 0, "still served"));
                assertThat(topicOf(nextPublish(sub))).isEqualTo("exhaust/small");
            }
        }
    }
}
