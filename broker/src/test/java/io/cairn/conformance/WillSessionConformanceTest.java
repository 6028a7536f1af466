package io.cairn.conformance;

import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.OneBrokerPerClass;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Wills, session state across connections and 5.0 message properties (checklist sections 3, 8, 11, 15). */
class WillSessionConformanceTest extends OneBrokerPerClass {

    /** 3.1.1 CONNECT with a will, clean session. */
    private static byte[] connectWithWill(String id, String willTopic, String willPayload, int willQos, boolean willRetain, int keepAlive) {
        return connect311Will(id, true, keepAlive, willTopic, willPayload, willQos, willRetain);
    }

    /** 5.0 CONNECT (no clean start) with a will and its Will Delay Interval, and session expiry. */
    private static byte[] connect5WithWill(String id, String willTopic, int willDelay, int expiry) {
        return connect(id).clean(false).props(Props.of().sessionExpiry(expiry))
                .will(willTopic, "gone", 0, false).willProps(Props.of().willDelay(willDelay)).v5();
    }

    @Test
    void v311_MQTT_3_1_2_8_willIsPublishedWhenTheConnectionEndsWithoutDisconnect() throws Exception {
        try (RawClient watcher = RawClient.connected311(broker.port(), "will-watch", true)) {
            watcher.subscribe311("will/a", 1, 1);
            RawClient dying = new RawClient(broker.port());
            dying.send(connectWithWill("will-a", "will/a", "bye", 1, false, 60));
            dying.read();
            dying.close(); // no DISCONNECT
            Packet p = watcher.read();
            assertThat(payload311(p)).isEqualTo("bye");
            assertThat(p.flags() >> 1 & 3).isEqualTo(1);
            assertThat(p.flags() & 1).as("will retain 0 [MQTT-3.1.2-16]").isZero();
        }
    }

    @Test
    void v311_MQTT_3_14_4_3_willIsDiscardedAfterDisconnect() throws Exception {
        try (RawClient watcher = RawClient.connected311(broker.port(), "will-watch2", true)) {
            watcher.subscribe311("will/b", 1, 1);
            try (RawClient leaving = new RawClient(broker.port())) {
                leaving.send(connectWithWill("will-b", "will/b", "bye", 1, false, 60));
                leaving.read();
                leaving.send(disconnect());
                assertThat(leaving.closedWithin(2000)).isTrue();
            }
            assertThat(watcher.silentFor(500)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_17_willRetainedIsStoredAsRetainedMessage() throws Exception {
        RawClient dying = new RawClient(broker.port());
        dying.send(connectWithWill("will-c", "will/c", "retained-bye", 0, true, 60));
        dying.read();
        dying.close();
        Thread.sleep(300);
        try (RawClient late = RawClient.connected311(broker.port(), "will-late", true)) {
            late.subscribe311("will/c", 0, 1);
            Packet p = late.read();
            assertThat(payload311(p)).isEqualTo("retained-bye");
            assertThat(p.flags() & 1).isEqualTo(1);
        }
    }

    @Test
    void v311_S3_1_2_5_keepAliveTimeoutPublishesTheWill() throws Exception {
        try (RawClient watcher = RawClient.connected311(broker.port(), "will-watch3", true);
             RawClient silent = new RawClient(broker.port())) {
            watcher.subscribe311("will/ka", 0, 1);
            silent.send(connectWithWill("will-ka", "will/ka", "timeout", 0, false, 1));
            silent.read();
            assertThat(payload311(watcher.read())).isEqualTo("timeout");
        }
    }

    @Test
    void v311_S3_1_2_5_protocolErrorPublishesTheWill() throws Exception {
        try (RawClient watcher = RawClient.connected311(broker.port(), "will-watch4", true);
             RawClient bad = new RawClient(broker.port())) {
            watcher.subscribe311("will/err", 0, 1);
            bad.send(connectWithWill("will-err", "will/err", "error", 0, false, 60));
            bad.read();
            bad.send(0x30, 0x03, 0x00, 0x01, 0x00); // PUBLISH with U+0000 as topic
            assertThat(payload311(watcher.read())).isEqualTo("error");
        }
    }

    @Test
    void v5_S3_14_2_1_disconnectWithReason0x04PublishesTheWill() throws Exception {
        try (RawClient watcher = RawClient.connected311(broker.port(), "will-watch5", true);
             RawClient leaving = new RawClient(broker.port())) {
            watcher.subscribe311("will/d4", 0, 1);
            leaving.send(connect5WithWill("will-d4", "will/d4", 0, 0));
            leaving.read();
            leaving.send(disconnect5(0x04));
            assertThat(payload311(watcher.read())).isEqualTo("gone");
        }
    }

    @Test
    void v5_MQTT_3_1_3_9_reconnectWithinTheWillDelayCancelsTheWill() throws Exception {
        try (RawClient watcher = RawClient.connected311(broker.port(), "will-watch6", true)) {
            watcher.subscribe311("will/delay", 0, 1);
            RawClient first = new RawClient(broker.port());
            first.send(connect5WithWill("will-delay", "will/delay", 2, 60));
            first.read();
            first.close();
            Thread.sleep(500);
            try (RawClient again = new RawClient(broker.port())) {
                again.send(connect5("will-delay", false, 60, Props.of().sessionExpiry(60)));
                assertThat(again.read().u8(0)).as("session present").isEqualTo(1);
                assertThat(watcher.silentFor(2500)).as("no will").isTrue();
            }
        }
    }

    @Test
    void v5_MQTT_3_1_2_8_willIsPublishedAfterTheWillDelay() throws Exception {
        try (RawClient watcher = RawClient.connected311(broker.port(), "will-watch7", true)) {
            watcher.subscribe311("will/late", 0, 1);
            RawClient first = new RawClient(broker.port());
            first.send(connect5WithWill("will-late5", "will/late", 1, 60));
            first.read();
            long t0 = System.currentTimeMillis();
            first.close();
            assertThat(payload311(watcher.read())).isEqualTo("gone");
            assertThat(System.currentTimeMillis() - t0).isGreaterThanOrEqualTo(900);
        }
    }

    @Test
    void v5_MQTT_4_1_0_2_sessionIsDiscardedWhenItsExpiryIntervalHasPassed() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "expiring", true, 1)) {
            c.send(subscribe5(1, "exp/t", 1));
            c.read();
        }
        Thread.sleep(2000);
        try (RawClient c = RawClient.connected5(broker.port(), "expiring", false, 1)) {
            assertThat(c.connack().u8(0)).isZero();
        }
    }

    @Test
    void v5_S3_14_2_2_2_disconnectSettingExpiryAfterZeroAtConnectIsAProtocolError() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "exp-zero", true, 0)) {
            c.send(disconnect5(0x00, Props.of().sessionExpiry(60)));
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x82);
        }
    }

    @Test
    void v311_MQTT_3_1_2_5_offlineSessionQueuesQos1And2ButNotQos0() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "offline", false)) {
            c.subscribe311("off/t", 2, 1);
        }
        try (RawClient pub = RawClient.connected311(broker.port(), "offline-pub", true)) {
            pub.send(publish311("off/t", 0, false, false, 0, "q0".getBytes()));
            pub.send(publish311("off/t", 1, false, false, 1, "q1".getBytes()));
            pub.read();
            pub.send(publish311("off/t", 2, false, false, 2, "q2".getBytes()));
            pub.read();
        }
        try (RawClient c = RawClient.connected311(broker.port(), "offline", false)) {
            Packet a = c.read();
            Packet b = c.read();
            assertThat(List.of(payload311(a), payload311(b))).containsExactly("q1", "q2");
        }
    }

    @Test
    void v5_MQTT_3_3_2_18_propertiesAreForwardedUnchangedWithUserPropertiesInOrder() throws Exception {
        Mqtt5BlockingClient sub = hivemq("props-sub");
        Mqtt5BlockingClient pub = hivemq("props-pub");
        sub.connect();
        pub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("props/t").qos(MqttQos.AT_LEAST_ONCE).send();
            pub.publishWith().topic("props/t").qos(MqttQos.AT_LEAST_ONCE).payload("{\"a\":1}".getBytes())
                    .userProperties().add("k", "2").add("a", "1").add("k", "1").applyUserProperties()
                    .contentType("application/json").payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                    .responseTopic("props/reply").correlationData(new byte[] {1, 2, 3}).messageExpiryInterval(300)
                    .send();
            Mqtt5Publish r = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(r.getUserProperties().asList()).extracting(p -> p.getName().toString() + "=" + p.getValue())
                    .containsExactly("k=2", "a=1", "k=1");
            assertThat(r.getContentType().orElseThrow().toString()).isEqualTo("application/json"); // [MQTT-3.3.2-20]
            assertThat(r.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8); // [MQTT-3.3.2-4]
            assertThat(r.getResponseTopic().orElseThrow().toString()).isEqualTo("props/reply"); // [MQTT-3.3.2-15]
            assertThat(r.getCorrelationData().orElseThrow()).isEqualTo(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertThat(r.getMessageExpiryInterval().orElseThrow()).isBetween(298L, 300L); // [MQTT-3.3.2-6]
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    private static Mqtt5BlockingClient hivemq(String id) {
        return com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
    }

    @Test
    void v5_MQTT_3_3_2_5_expiredMessageIsNotDeliveredToAReconnectingSession() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "exp-queue", true, 300)) {
            c.send(subscribe5(1, "expq/t", 1));
            c.read();
        }
        Thread.sleep(300); // the broker notices the closed socket; then the session is offline
        try (RawClient pub = RawClient.connected5(broker.port(), "exp-pub", true, 0)) {
            pub.send(publish5("expq/t", 1, false, 1, Props.of().messageExpiry(1), "short"));
            pub.read();
            pub.send(publish5("expq/t", 1, false, 2, Props.of().messageExpiry(100), "long"));
            pub.read();
        }
        Thread.sleep(2100);
        try (RawClient c = RawClient.connected5(broker.port(), "exp-queue", false, 300)) {
            Packet p = c.read();
            assertThat(payload5(p)).isEqualTo("long");
            assertThat(c.silentFor(300)).isTrue();
        }
    }
}
