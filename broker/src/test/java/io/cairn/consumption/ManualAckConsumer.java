package io.cairn.consumption;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MqttDefaultFilePersistence;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A consumer process with manual acknowledgement, which the tests kill (SIGKILL) while it handles a
 * message: {@code java -cp TEST_CLASSPATH io.cairn.consumption.ManualAckConsumer LIBRARY PORT CLIENT_ID
 * FILTER QOS LOG STALL_PAYLOAD [PERSISTENCE_DIR]}, LIBRARY {@code hivemq} (MQTT 5.0, Receive Maximum 3)
 * or {@code paho} (Paho Java 3.1.1, file persistence in PERSISTENCE_DIR). It resumes a persistent
 * session (Clean Start 0), subscribes, and writes to LOG: {@code READY} once subscribed, {@code R
 * payload} when a message reaches the handler, {@code H payload} when it was handled (before the
 * acknowledgement is sent). On the message whose payload is STALL_PAYLOAD ({@code -}: none) it
 * writes {@code STALL} and sleeps instead of handling it.
 *
 * <p>Threading: the library's callback thread (HiveMQ: one handler thread) handles the messages one
 * at a time; {@link #log} is synchronized.
 */
public final class ManualAckConsumer {

    private static FileOutputStream out;
    private static String stall;

    private ManualAckConsumer() {
    }

    public static void main(String[] args) throws Exception {
        String library = args[0];
        int port = Integer.parseInt(args[1]);
        String clientId = args[2];
        String filter = args[3];
        int qos = Integer.parseInt(args[4]);
        out = new FileOutputStream(args[5], true);
        stall = args[6];
        if (library.equals("hivemq")) {
            hivemq(port, clientId, filter, qos);
        } else {
            paho(port, clientId, filter, qos, args[7]);
        }
        log("READY");
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void hivemq(int port, String clientId, String filter, int qos) {
        Mqtt5AsyncClient c = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port)
                .buildAsync();
        ExecutorService handler = Executors.newSingleThreadExecutor();
        c.publishes(MqttGlobalPublishFilter.ALL, p -> {
            handle(payload(p));
            p.acknowledge(); // PUBACK, or PUBREC for QoS 2
        }, handler, true);
        c.connectWith().cleanStart(false).sessionExpiryInterval(3600)
                .restrictions().receiveMaximum(3).applyRestrictions().send().join();
        c.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send().join();
    }

    private static String payload(Mqtt5Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    private static void paho(int port, String clientId, String filter, int qos, String persistence) throws Exception {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MqttDefaultFilePersistence(persistence));
        c.setManualAcks(true);
        c.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) throws Exception {
                handle(new String(m.getPayload(), StandardCharsets.UTF_8));
                c.messageArrivedComplete(m.getId(), m.getQos()); // PUBACK, or PUBCOMP for QoS 2
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        o.setAutomaticReconnect(false);
        c.connect(o);
        c.subscribe(filter, qos);
    }

    private static void handle(String payload) {
        log("R " + payload);
        if (payload.equals(stall)) {
            log("STALL");
            try {
                Thread.sleep(120_000); // the test kills the process now
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        log("H " + payload);
    }

    private static synchronized void log(String line) {
        try {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
