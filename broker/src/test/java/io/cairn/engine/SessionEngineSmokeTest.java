package io.cairn.engine;

import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** End-to-end paths through the engine with a real client: offline queueing and resume. */
class SessionEngineSmokeTest {

    @Test
    void v311_offlinePersistentSessionGetsQueuedQos1And2MessagesInOrder() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            List<String> received = new CopyOnWriteArrayList<>();
            MqttClient sub = client(broker, "sub");
            MqttConnectOptions persistent = options(false);
            sub.connect(persistent);
            sub.subscribe("q/#", 2);
            sub.disconnect();

            MqttClient pub = client(broker, "pub");
            pub.connect(options(true));
            for (int i = 0; i < 50; i++) {
                pub.publish("q/" + (i % 3), ("m" + i).getBytes(), 1 + i % 2, false);
            }
            pub.disconnect();

            sub.setCallback(collector(received));
            sub.connect(persistent);
            await().atMost(5, TimeUnit.SECONDS).until(() -> received.size() >= 50);
            // order holds per QoS [MQTT-4.6.0-6] (Paho hands QoS 2 messages over on PUBREL, so the two interleave)
            assertThat(received.stream().filter(m -> Integer.parseInt(m.substring(1)) % 2 == 0))
                    .containsExactly(java.util.stream.IntStream.range(0, 25).mapToObj(i -> "m" + 2 * i).toArray(String[]::new));
            assertThat(received.stream().filter(m -> Integer.parseInt(m.substring(1)) % 2 == 1))
                    .containsExactly(java.util.stream.IntStream.range(0, 25).mapToObj(i -> "m" + (2 * i + 1)).toArray(String[]::new));
            sub.disconnect();
        }
    }

    private static MqttClient client(TestBroker broker, String id) throws Exception {
        return new MqttClient(broker.uri(), id, new MemoryPersistence());
    }

    private static MqttConnectOptions options(boolean clean) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(clean);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        return o;
    }

    private static MqttCallback collector(List<String> into) {
        return new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                into.add(new String(message.getPayload()));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        };
    }
}
