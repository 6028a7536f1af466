package io.cairn.order;

import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class SubscribePublishRaceTest {

    @Test
    void probe() throws Exception {
        try (TestBroker b = TestBroker.start();
             RawClient pub = RawClient.connected311(b.port(), "pub", true)) {
            int missed = 0;
            for (int round = 0; round < 50; round++) {
                try (RawClient sub = RawClient.connected311(b.port(), "sub" + round, true)) {
                    sub.send(RawClient.subscribe311(1, "race/" + round, 0));
                    pub.send(RawClient.publish311("race/" + round, 0, false, false, 0, "x".getBytes(StandardCharsets.UTF_8)));
                    RawClient.Packet p = sub.readUntil(RawClient.PUBLISH);
                    if (p == null) missed++;
                } catch (Exception e) {
                    missed++;
                }
            }
            System.out.println("MISSED " + missed);
            assertThat(missed).isZero();
        }
    }
}
