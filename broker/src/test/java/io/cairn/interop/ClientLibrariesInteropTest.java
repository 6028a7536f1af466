package io.cairn.interop;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.cairn.test.OneBrokerPerClass;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Eclipse Paho v3 and the HiveMQ client (3 and 5) talking to each other through Cairn, over TCP and WebSocket. */
class ClientLibrariesInteropTest extends OneBrokerPerClass {

    @Test
    void pahoV3PublishesAtEveryQosToAHivemq5SubscriberExactlyOnceAndInOrder() throws Exception {
        Mqtt5BlockingClient sub = MqttClient.builder().useMqttVersion5().identifier("hm5-sub")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        sub.connect();
        org.eclipse.paho.client.mqttv3.MqttClient pub = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.uri(), "paho3-pub", new MemoryPersistence());
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("lib/+").qos(MqttQos.EXACTLY_ONCE).send();
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMaxInflight(1000);
            pub.connect(options);
            for (int qos = 0; qos <= 2; qos++) {
                for (int i = 0; i < 300; i++) {
                    pub.publish("lib/" + qos, ("" + i).getBytes(), qos, false);
                }
            }
            java.util.Map<String, List<String>> byTopic = new java.util.TreeMap<>();
            for (int n = 0; n < 900; n++) {
                Mqtt5Publish p = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
                String topic = p.getTopic().toString();
                assertThat(p.getQos().getCode()).isEqualTo(Integer.parseInt(topic.substring(4)));
                byTopic.computeIfAbsent(topic, t -> new java.util.ArrayList<>())
                        .add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
            }
            List<String> expected = java.util.stream.IntStream.range(0, 300).mapToObj(String::valueOf).toList();
            // order holds per topic and QoS [MQTT-4.6.0-6]; across QoS levels it need not
            assertThat(byTopic.keySet()).containsExactly("lib/0", "lib/1", "lib/2");
            byTopic.values().forEach(v -> assertThat(v).containsExactlyElementsOf(expected));
            assertThat(publishes.receive(300, TimeUnit.MILLISECONDS)).as("no duplicates").isEmpty();
        } finally {
            pub.disconnect();
            pub.close();
            sub.disconnect();
        }
    }

    @Test
    void hivemq3PublishesToAPahoV3Subscriber() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        org.eclipse.paho.client.mqttv3.MqttClient sub = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.uri(), "paho3-sub", new MemoryPersistence());
        sub.connect(new MqttConnectOptions());
        sub.subscribe("lib3/#", 2, (topic, m) -> got.add(topic + ":" + new String(m.getPayload()) + ":" + m.getQos()));
        Mqtt3BlockingClient pub = MqttClient.builder().useMqttVersion3().identifier("hm3-pub")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        pub.connect();
        for (int qos = 0; qos <= 2; qos++) {
            pub.publishWith().topic("lib3/" + qos).qos(MqttQos.fromCode(qos)).payload(("q" + qos).getBytes()).send();
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> got.size() >= 3);
        assertThat(got).containsExactlyInAnyOrder("lib3/0:q0:0", "lib3/1:q1:1", "lib3/2:q2:2");
        pub.disconnect();
        sub.disconnect();
        sub.close();
    }

    @Test
    void pahoV3OverWebSocketRoundTrip() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        org.eclipse.paho.client.mqttv3.MqttClient c = new org.eclipse.paho.client.mqttv3.MqttClient(
                "ws://127.0.0.1:" + broker.wsPort() + "/mqtt", "paho-ws", new MemoryPersistence());
        c.connect(new MqttConnectOptions());
        c.subscribe("ws/t", 1, (topic, m) -> got.add(new String(m.getPayload())));
        byte[] big = new byte[200_000]; // spans many WebSocket frames [MQTT-6.0.0-2]
        c.publish("ws/t", "over websocket".getBytes(), 1, false);
        c.publish("ws/t", big, 1, false);
        await().atMost(5, TimeUnit.SECONDS).until(() -> got.size() == 2);
        assertThat(got.get(0)).isEqualTo("over websocket");
        assertThat(got.get(1)).hasSize(200_000);
        c.disconnect();
        c.close();
    }

    @Test
    void hivemq5OverWebSocketRoundTrip() throws Exception {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier("hm5-ws")
                .serverHost("127.0.0.1").serverPort(broker.wsPort()).webSocketConfig().serverPath("mqtt").applyWebSocketConfig()
                .buildBlocking();
        c.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter("ws5/t").qos(MqttQos.EXACTLY_ONCE).send();
            c.publishWith().topic("ws5/t").qos(MqttQos.EXACTLY_ONCE).payload("ws5".getBytes()).send();
            Mqtt5Publish p = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(new String(p.getPayloadAsBytes())).isEqualTo("ws5");
        } finally {
            c.disconnect();
        }
    }
}
