package io.cairn.conformance;

import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT 5.0 statements about features a broker announces as unavailable, on a broker configured with
 * {@code retain_available = false} and {@code topic_alias_maximum = 0}, over real sockets.
 */
class V5RestrictedBrokerConformanceTest {

    private static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(m -> m.with(b -> {
            b.retainAvailable = false;
            b.topicAliasMaximum = 0;
        }));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void v5_MQTT_3_2_2_13_willRetainIsRefusedWithConnack0x9AAndClosed() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect("will-retain").will("wr/t", "w", 0, true).v5());
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(CONNACK);
            assertThat(connackCode(ack)).isEqualTo(0x9A);
            assertThat(c.closedWithin(2000)).isTrue();
        }
        try (RawClient c = RawClient.accepted(broker.port(), connect("will-noretain").will("wr/t", "w", 0, false).v5())) {
            assertThat(connackProperties(c.connack())).as("announced").containsEntry(Props.RETAIN_AVAILABLE, 0);
        }
    }

    @Test
    void v5_MQTT_3_2_2_14_aRetainedPublishIsAProtocolErrorWithDisconnect0x9A() throws IOException {
        try (RawClient watcher = RawClient.connected5(broker.port(), "retain-watch", true, 0);
             RawClient c = RawClient.connected5(broker.port(), "retain-pub", true, 0)) {
            watcher.subscribe5("ret/off", 0, 1);
            c.send(publish5("ret/off", 0, true, 0, "retained"));
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isEqualTo(0x9A);
            assertThat(c.closedWithin(2000)).isTrue();
            assertThat(watcher.silentFor(400)).as("the refused message is not delivered").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_2_2_18_aTopicAliasIsInvalidWhenTheBrokerAnnouncedNone() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "alias-none", true, 0)) {
            Object announced = connackProperties(c.connack()).get(Props.TOPIC_ALIAS_MAXIMUM);
            assertThat(announced == null || (Integer) announced == 0).as("no Topic Alias Maximum, or 0").isTrue();
            c.send(publish5("alias/t", 0, false, 0, Props.of().topicAlias(1), "x"));
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isEqualTo(0x94);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }
}
