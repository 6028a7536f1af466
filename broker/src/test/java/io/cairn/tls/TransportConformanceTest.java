package io.cairn.tls;

import io.cairn.test.Packets;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.cairn.test.Packets.concat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checklist section 16 (transport, WebSocket, conformance clauses), per protocol version, over real
 * sockets: binary frames only, packets independent of frame boundaries, the "mqtt" subprotocol, and
 * an ordered, lossless, two-way byte stream over TCP and WebSocket with standard clients (Paho).
 * WebSocketListenerTest has the listener's own behaviour (origins, logging, oversized frames).
 */
class TransportConformanceTest {

    private static final int CONNACK = 2, PUBLISH = 3, SUBACK = 9;
    private static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static URI ws() {
        return URI.create("ws://127.0.0.1:" + broker.wsPort() + "/mqtt");
    }

    private static String wsUri() {
        return "ws://127.0.0.1:" + broker.wsPort() + "/mqtt";
    }

    // ---------------------------------------------------------------- [MQTT-6.0.0-1]

    private static void textFrameCloses(byte[] connect) throws Exception {
        try (WsClient c = WsClient.open(ws(), null, null, "mqtt")) {
            c.frame(connect, true);
            assertThat(c.awaitPackets(1)).containsExactly(CONNACK);
            c.socket.sendText("not binary", true).join();
            c.closed.get(10, TimeUnit.SECONDS); // completes when the broker ends the connection
        }
    }

    @Test
    void v311_MQTT_6_0_0_1_aTextFrameClosesTheConnection() throws Exception {
        textFrameCloses(Packets.connect311("ws-text-311", true, 60));
    }

    @Test
    void v5_MQTT_6_0_0_1_aTextFrameClosesTheConnection() throws Exception {
        textFrameCloses(Packets.connect5("ws-text-5", true, 60));
    }

    // ---------------------------------------------------------------- [MQTT-6.0.0-2]

    private static void framesDoNotAlignWithPackets(byte[] connect, byte[] subscribe, byte[] publish) throws Exception {
        byte[] all = concat(connect, subscribe, publish);
        try (WsClient c = WsClient.open(ws(), null, null, "mqtt")) {
            // CONNECT and half the SUBSCRIBE in a fragmented message, the rest with the PUBLISH in one frame
            int cut = connect.length + subscribe.length / 2;
            c.frame(Arrays.copyOfRange(all, 0, 3), false).frame(Arrays.copyOfRange(all, 3, cut), true)
                    .frame(Arrays.copyOfRange(all, cut, all.length), true);
            assertThat(c.awaitPackets(3)).containsExactly(CONNACK, SUBACK, PUBLISH);
        }
    }

    @Test
    void v311_MQTT_6_0_0_2_packetsAreReadRegardlessOfFrameBoundaries() throws Exception {
        framesDoNotAlignWithPackets(Packets.connect311("ws-align-311", true, 60),
                Packets.subscribe311(1, "ws/align311", 0), Packets.publish311("ws/align311", 0, false, 0, "x"));
    }

    @Test
    void v5_MQTT_6_0_0_2_packetsAreReadRegardlessOfFrameBoundaries() throws Exception {
        framesDoNotAlignWithPackets(Packets.connect5("ws-align-5", true, 60),
                Packets.subscribe5(1, "ws/align5", 0), Packets.publish5("ws/align5", 0, false, 0, "x"));
    }

    // ---------------------------------------------------------------- [MQTT-6.0.0-4]

    private static void mqttSubprotocolIsSelected(byte[] connect) throws Exception {
        try (WsClient c = WsClient.open(ws(), null, null, "mqtt")) {
            assertThat(c.socket.getSubprotocol()).isEqualTo("mqtt");
            c.frame(connect, true);
            assertThat(c.awaitPackets(1)).containsExactly(CONNACK);
        }
        try (WsClient c = WsClient.open(ws(), null, null, "chat", "mqtt")) {
            assertThat(c.socket.getSubprotocol()).as("chosen among several offers").isEqualTo("mqtt");
        }
    }

    @Test
    void v311_MQTT_6_0_0_4_theBrokerSelectsTheMqttSubprotocol() throws Exception {
        mqttSubprotocolIsSelected(Packets.connect311("ws-sub-311", true, 60));
    }

    @Test
    void v5_MQTT_6_0_0_4_theBrokerSelectsTheMqttSubprotocol() throws Exception {
        mqttSubprotocolIsSelected(Packets.connect5("ws-sub-5", true, 60));
    }

    // ---------------------------------------------------------------- [MQTT-7.1.1-1] / [MQTT-4.2.0-1]

    private static final int MESSAGES = 40;

    /** Paho 3.1.1 at {@code uri}: QoS 1 messages published come back complete and in order. */
    private static void orderedAndLossless311(String uri, String id) throws Exception {
        MqttClient c = new MqttClient(uri, id, new MemoryPersistence());
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch all = new CountDownLatch(MESSAGES);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setMaxInflight(MESSAGES);
        c.connect(o);
        try {
            c.subscribe("stream311/" + id, 1, (t, m) -> {
                got.add(new String(m.getPayload(), StandardCharsets.UTF_8));
                all.countDown();
            });
            for (int i = 0; i < MESSAGES; i++) {
                c.publish("stream311/" + id, ("m" + i + "-" + "x".repeat(i * 500)).getBytes(StandardCharsets.UTF_8), 1, false);
            }
            assertThat(all.await(20, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < MESSAGES; i++) {
                assertThat(got.get(i)).isEqualTo("m" + i + "-" + "x".repeat(i * 500));
            }
        } finally {
            c.disconnect();
            c.close();
        }
    }

    /** As above with Paho 5.0. */
    private static void orderedAndLossless5(String uri, String id) throws Exception {
        org.eclipse.paho.mqttv5.client.MqttClient c = new org.eclipse.paho.mqttv5.client.MqttClient(uri, id,
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch all = new CountDownLatch(MESSAGES);
        c.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
            @Override
            public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {
            }

            @Override
            public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage m) {
                got.add(new String(m.getPayload(), StandardCharsets.UTF_8));
                all.countDown();
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken t) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {
            }
        });
        c.connect(new MqttConnectionOptions());
        try {
            c.subscribe("stream5/" + id, 1);
            for (int i = 0; i < MESSAGES; i++) {
                c.publish("stream5/" + id, ("m" + i + "-" + "x".repeat(i * 500)).getBytes(StandardCharsets.UTF_8), 1, false);
            }
            assertThat(all.await(20, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < MESSAGES; i++) {
                assertThat(got.get(i)).isEqualTo("m" + i + "-" + "x".repeat(i * 500));
            }
        } finally {
            c.disconnect();
            c.close();
        }
    }

    @Test
    void v311_MQTT_7_1_1_1_tcpAndWebSocketCarryAnOrderedLosslessTwoWayStream() throws Exception {
        orderedAndLossless311(broker.uri(), "stream-tcp-311");
        orderedAndLossless311(wsUri(), "stream-ws-311");
    }

    @Test
    void v5_MQTT_4_2_0_1_tcpAndWebSocketCarryAnOrderedLosslessTwoWayStream() throws Exception {
        orderedAndLossless5(broker.uri(), "stream-tcp-5");
        orderedAndLossless5(wsUri(), "stream-ws-5");
    }

    @Test
    void v311_MQTT_7_0_0_2_aStandardClientNeedsNoExtensionToInteroperate() throws Exception {
        // Paho's defaults: no options beyond the specification's, QoS 0, 1 and 2 round trips
        MqttClient c = new MqttClient(broker.uri(), "plain-paho-311", new MemoryPersistence());
        List<Integer> qos = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch three = new CountDownLatch(3);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        c.connect(o);
        try {
            c.subscribe("plain/t", 2, (t, m) -> {
                qos.add(m.getQos());
                three.countDown();
            });
            for (int q = 0; q <= 2; q++) {
                c.publish("plain/t", ("q" + q).getBytes(StandardCharsets.UTF_8), q, false);
            }
            assertThat(three.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(qos).containsExactly(0, 1, 2);
            c.unsubscribe("plain/t");
        } finally {
            c.disconnect();
            c.close();
        }
    }
}
