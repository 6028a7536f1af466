package io.cairn.sessions;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.cairn.Broker;
import io.cairn.config.BrokerConfig;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Declared durable sessions ({@code [[sessions]]}) over real sockets: what is published before the
 * consumer first connects is kept for it, across a restart too; a client asking for expiry 0 or a
 * clean start does not end the declared session for good.
 *
 * <p>Threading: JUnit's test thread; the client libraries call back on their own threads and hand
 * messages over through blocking queues.
 */
class DeclaredSessionTest {

    private static final String ID = "billing-worker";

    @TempDir
    Path dir;

    private Broker broker;

    private Broker start(long expiry) throws Exception {
        return start(expiry, "orders/#");
    }

    private Broker start(long expiry, String filter) throws Exception {
        BrokerConfig config = BrokerConfig.defaults()
                .withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", 0)))
                .withStorage(BrokerConfig.Storage.defaults().withDir(dir.resolve("data")).withSegmentSize(1L << 20))
                .withSessions(List.of(new BrokerConfig.Session(ID,
                        List.of(new BrokerConfig.SessionSubscription(filter, 2)), expiry)));
        broker = Broker.start(config);
        return broker;
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private int port() {
        return broker.boundAddresses().get(0).getPort();
    }

    private Mqtt5BlockingClient client(String id) {
        return Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(port()).buildBlocking();
    }

    private void publish(String topic, String payload, int qos) {
        Mqtt5BlockingClient p = client("publisher-" + System.nanoTime());
        p.connect();
        p.publishWith().topic(topic).qos(MqttQos.fromCode(qos)).payload(payload.getBytes(StandardCharsets.UTF_8)).send();
        p.disconnect();
    }

    /** Connects {@link #ID} with Clean Start 0 and the given expiry; returns the payloads received within 2 s. */
    private List<String> resume(long askedExpiry, int expected, Mqtt5ConnAck[] connack) throws Exception {
        Mqtt5BlockingClient c = client(ID);
        List<String> got = new ArrayList<>();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5ConnAck ack = c.connectWith().cleanStart(false).sessionExpiryInterval(askedExpiry).send();
            if (connack != null) {
                connack[0] = ack;
            }
            for (int i = 0; i < expected + 1; i++) {
                Optional<Mqtt5Publish> m = publishes.receive(i < expected ? 5 : 1, TimeUnit.SECONDS);
                if (m.isEmpty()) {
                    break;
                }
                got.add(new String(m.get().getPayloadAsBytes(), StandardCharsets.UTF_8) + "@" + m.get().getQos().getCode());
            }
        }
        c.disconnect();
        return got;
    }

    @Test
    void messagesPublishedBeforeTheConsumerEverConnectedAreDeliveredOnItsFirstConnect() throws Exception {
        start(4294967295L);
        publish("orders/1", "one", 1);
        publish("orders/2", "two", 2);
        publish("other/3", "not subscribed", 1);
        Mqtt5ConnAck[] connack = new Mqtt5ConnAck[1];
        assertThat(resume(0, 2, connack)).containsExactly("one@1", "two@2");
        assertThat(connack[0].isSessionPresent()).as("the declared session existed").isTrue();
        assertThat(connack[0].getSessionExpiryInterval()).as("the declared expiry wins and is announced")
                .hasValue(4294967295L);
    }

    @Test
    void theDeclaredSessionAndItsQueueSurviveARestart() throws Exception {
        start(3600);
        publish("orders/1", "before restart 1", 1);
        publish("orders/2", "before restart 2", 2);
        broker.close();
        start(3600);
        publish("orders/3", "after restart", 2);
        Mqtt5ConnAck[] connack = new Mqtt5ConnAck[1];
        assertThat(resume(0, 3, connack)).containsExactly("before restart 1@1", "before restart 2@2", "after restart@2");
        assertThat(connack[0].getSessionExpiryInterval()).hasValue(3600);
    }

    @Test
    void aClientWithExpiryZeroDoesNotEndTheDeclaredSession() throws Exception {
        start(4294967295L);
        assertThat(resume(0, 0, null)).isEmpty();
        publish("orders/1", "while away", 1);
        assertThat(resume(0, 1, null)).containsExactly("while away@1");
        // a DISCONNECT asking for expiry 0 is not taken either
        Mqtt5BlockingClient c = client(ID);
        c.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        c.disconnectWith().sessionExpiryInterval(0).send();
        publish("orders/2", "after disconnect 0", 2);
        assertThat(resume(0, 1, null)).containsExactly("after disconnect 0@2");
    }

    @Test
    void aCleanStartDiscardsTheStateAndTheDeclaredSessionIsMadeAgainAtOnce() throws Exception {
        start(4294967295L);
        publish("orders/1", "discarded by the clean start", 1);
        Mqtt5BlockingClient c = client(ID);
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5ConnAck ack = c.connectWith().cleanStart(true).sessionExpiryInterval(0).send();
            assertThat(ack.isSessionPresent()).isFalse();
            assertThat(ack.getSessionExpiryInterval()).hasValue(4294967295L);
            publish("orders/2", "live", 1);
            assertThat(publishes.receive(5, TimeUnit.SECONDS)).as("the declared subscription is there at once")
                    .hasValueSatisfying(m -> assertThat(new String(m.getPayloadAsBytes(), StandardCharsets.UTF_8))
                            .isEqualTo("live"));
        }
        c.disconnect();
        publish("orders/3", "kept", 2);
        assertThat(resume(0, 1, null)).containsExactly("kept@2");
    }

    @Test
    void aDeclaredSharedSubscriptionKeepsTheGroupsMessagesUntilItsMemberConnects() throws Exception {
        start(4294967295L, "$share/billing/orders/#");
        publish("orders/1", "shared one", 1);
        publish("orders/2", "shared two", 2);
        assertThat(resume(0, 2, null)).containsExactly("shared one@1", "shared two@2");
    }

    @Test
    void aV311CleanSessionEndsWithItsConnectionAndTheDeclaredSessionIsMadeAgain() throws Exception {
        start(4294967295L);
        MqttClient v3 = new MqttClient("tcp://127.0.0.1:" + port(), ID, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        v3.connect(o);
        v3.disconnect();
        publish("orders/1", "for the declared session", 1);
        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        v3.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                got.add(new String(message.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        o.setCleanSession(false);
        v3.connect(o);
        assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("for the declared session");
        v3.disconnect();
        v3.close();
    }
}
