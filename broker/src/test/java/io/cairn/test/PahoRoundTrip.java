package io.cairn.test;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The smallest proof that a broker serves MQTT: two Paho 3.1.1 clients, {@code <prefix>-sub}
 * (persistent session) and {@code <prefix>-pub}; one QoS 1 message published (Paho returns after
 * the PUBACK) must reach the subscriber within 5 s.
 */
public final class PahoRoundTrip {

    private PahoRoundTrip() {
    }

    public static void qos1(String uri, String prefix) throws Exception {
        BlockingQueue<String> received = new ArrayBlockingQueue<>(10);
        String topic = prefix + "/t";
        String payload = "through " + prefix;
        MqttClient sub = new MqttClient(uri, prefix + "-sub", new MemoryPersistence());
        MqttClient pub = new MqttClient(uri, prefix + "-pub", new MemoryPersistence());
        try {
            MqttConnectOptions persistent = new MqttConnectOptions();
            persistent.setCleanSession(false);
            sub.connect(persistent);
            sub.subscribe(topic, 1, (t, m) -> received.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
            pub.connect(new MqttConnectOptions());
            MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
            m.setQos(1);
            pub.publish(topic, m);
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(payload);
        } finally {
            pub.disconnectForcibly(1000);
            sub.disconnectForcibly(1000);
            pub.close();
            sub.close();
        }
    }
}
