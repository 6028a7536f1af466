package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * UNSUBSCRIBE / UNSUBACK (checklist section 6). "Not delivered" is checked against a marker message
 * published right after on a topic that is still subscribed: the marker must be the next packet.
 */
class UnsubscribeConformanceTest extends OneBrokerPerClass {

    @Test
    void v311_MQTT_3_10_4_1_onlyAnExactlyEqualFilterIsUnsubscribed() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "exact-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "exact-pub", true)) {
            sub.subscribe311("exact/+", 0, 1);
            sub.subscribe311("exact/a", 0, 2);
            sub.send(unsubscribe311(3, "exact/#", "exact/A", "exact/a/"));
            assertThat(sub.read().type()).isEqualTo(UNSUBACK);
            pub.send(publish311("exact/a", 0, false, 0, "1"));
            assertThat(payload311(nextPublish(sub))).as("nothing matched exactly: still subscribed").isEqualTo("1");
            sub.send(unsubscribe311(4, "exact/a"));
            assertThat(sub.read().type()).isEqualTo(UNSUBACK);
            pub.send(publish311("exact/a", 0, false, 0, "2"));
            assertThat(payload311(nextPublish(sub))).as("exact/+ is untouched").isEqualTo("2");
            assertThat(sub.poll(300)).as("one copy now").isNull();
            sub.send(unsubscribe311(5, "exact/+")); // the '+' compared literally
            assertThat(sub.read().type()).isEqualTo(UNSUBACK);
            sub.subscribe311("exact-marker", 0, 6);
            pub.send(publish311("exact/a", 0, false, 0, "3"));
            pub.send(publish311("exact-marker", 0, false, 0, "m"));
            assertThat(topicOf(nextPublish(sub))).isEqualTo("exact-marker");
        }
    }

    @Test
    void v311_MQTT_3_10_4_2_nothingIsDeliveredAfterUnsubscribe() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "gone-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "gone-pub", true)) {
            sub.subscribe311("gone/t", 2, 1);
            sub.subscribe311("gone/marker", 0, 2);
            sub.send(unsubscribe311(3, "gone/t"));
            assertThat(sub.read().type()).isEqualTo(UNSUBACK);
            for (int q = 0; q <= 2; q++) {
                pub.send(publish311("gone/t", q, false, q + 1, "x"));
            }
            pub.send(publish311("gone/marker", 0, false, 0, "m"));
            Packet p = nextPublish(sub);
            assertThat(topicOf(p)).isEqualTo("gone/marker");
            assertThat(sub.poll(300)).isNull();
        }
    }

    @Test
    void v5_MQTT_3_10_4_2_nothingIsDeliveredAfterUnsubscribe() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "gone5-sub", true, 0);
             RawClient pub = RawClient.connected5(broker.port(), "gone5-pub", true, 0)) {
            sub.send(subscribe5(1, "gone5/t", 1));
            sub.readUntil(SUBACK);
            sub.send(subscribe5(2, "gone5/marker", 0));
            sub.readUntil(SUBACK);
            sub.send(unsubscribe5(3, "gone5/t"));
            assertThat(sub.read().body()).containsExactly(0, 3, 0, 0x00);
            pub.send(publish5("gone5/t", 1, false, 1, "x"));
            pub.send(publish5("gone5/marker", 0, false, 0, "m"));
            assertThat(topicOf(nextPublish(sub))).isEqualTo("gone5/marker");
        }
    }

    @Test
    void v311_MQTT_3_10_4_5_unsubackIsSentEvenWhenNothingWasSubscribed() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "none311", true)) {
            c.send(unsubscribe311(0x1234, "never/subscribed"));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(UNSUBACK);
            assertThat(ack.flags()).isZero();
            assertThat(ack.body()).as("[MQTT-3.10.4-4] same id; §3.11.3 no payload in 3.1.1").containsExactly(0x12, 0x34);
        }
    }

    @Test
    void v311_MQTT_3_10_4_6_severalFiltersGetOneUnsubackWithoutPayload() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "many311", true)) {
            c.subscribe311("many/a", 0, 1);
            c.subscribe311("many/b", 0, 2);
            c.send(unsubscribe311(7, "many/a", "many/x", "many/b"));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(UNSUBACK);
            assertThat(ack.body()).containsExactly(0, 7);
            assertThat(c.poll(300)).as("one UNSUBACK for the lot").isNull();
        }
    }

    @Test
    void v31_S3_10_unsubackEchoesThePacketIdentifier() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect31("unsub31", true, 60));
            assertThat(c.read().type()).isEqualTo(CONNACK);
            c.subscribe311("u31/t", 1, 1);
            c.send(unsubscribe311(42, "u31/t"));
            assertThat(c.read().body()).containsExactly(0, 42);
        }
    }

    @Test
    void v5_MQTT_3_11_3_1_unsubackHasOneCodePerFilterInOrderWith0x11WhenNoneExisted() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "codes5", true, 0)) {
            c.send(subscribe5(1, "codes5/a", 0));
            c.readUntil(SUBACK);
            c.send(subscribe5(2, "codes5/+", 0));
            c.readUntil(SUBACK);
            c.send(unsubscribe5(0x0102, "codes5/a", "codes5/b", "codes5/+", "codes5/a"));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(UNSUBACK);
            assertThat(ack.body()).as("[MQTT-3.10.4-5], [MQTT-3.11.3-1], [MQTT-3.11.3-2]")
                    .containsExactly(0x01, 0x02, 0, 0x00, 0x11, 0x00, 0x11);
        }
    }

    @Test
    void v5_MQTT_3_10_4_4_pahoSeesTheUnsubackReasonCodes() throws Exception {
        org.eclipse.paho.mqttv5.client.MqttAsyncClient c = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(
                broker.uri(), "paho5-unsub", new MemoryPersistence());
        try {
            c.connect(new MqttConnectionOptions()).waitForCompletion(5000);
            c.subscribe("paho5u/a", 1).waitForCompletion(5000);
            IMqttToken t = c.unsubscribe(new String[] {"paho5u/a", "paho5u/b"});
            t.waitForCompletion(5000);
            assertThat(t.getReasonCodes()).containsExactly(0x00, 0x11);
        } finally {
            c.disconnect().waitForCompletion(5000);
            c.close();
        }
    }

    @Test
    void v311_MQTT_3_10_4_3_aQos2DeliveryInProgressIsCompletedAfterUnsubscribe() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "inprog-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "inprog-pub", true)) {
            sub.subscribe311("inprog/t", 2, 1);
            pub.send(publish311("inprog/t", 2, false, 1, "x"));
            Packet p = nextPublish(sub);
            int id = packetIdOf(p);
            sub.send(unsubscribe311(2, "inprog/t"));
            assertThat(sub.read().type()).isEqualTo(UNSUBACK);
            sub.send(pubrec(id));
            Packet rel = sub.read();
            assertThat(rel.type()).isEqualTo(PUBREL);
            assertThat(rel.u16(0)).isEqualTo(id);
        }
    }
}
