package io.cairn.transport;

import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The listeners' socket transport: native epoll where the jar bundles it, NIO on request or elsewhere. */
class SocketTransportTest {

    @Test
    void onLinuxX8664TheListenersUseTheBundledEpoll() {
        assumeTrue(System.getProperty("os.name").equals("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64"), "the bundled library is for Linux x86-64");
        IoTransport t = IoTransport.choose();
        assertThat(t.name()).as("why not: %s", t.whyNotEpoll()).isEqualTo("epoll");
        assertThat(t.whyNotEpoll()).isNull();
    }

    @Test
    void withCairnIoNioABrokerServesQos1OverNio() throws Exception {
        String before = System.getProperty("cairn.io");
        System.setProperty("cairn.io", "nio");
        try (TestBroker broker = TestBroker.start()) {
            assertThat(IoTransport.choose().name()).isEqualTo("nio");
            assertThat(IoTransport.choose().whyNotEpoll()).isEqualTo("-Dcairn.io=nio");
            BlockingQueue<String> received = new ArrayBlockingQueue<>(10);
            MqttClient sub = new MqttClient(broker.uri(), "nio-sub", new MemoryPersistence());
            MqttClient pub = new MqttClient(broker.uri(), "nio-pub", new MemoryPersistence());
            try {
                sub.connect(new MqttConnectOptions());
                sub.subscribe("nio/t", 1, (topic, m) -> received.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
                pub.connect(new MqttConnectOptions());
                MqttMessage m = new MqttMessage("over nio".getBytes(StandardCharsets.UTF_8));
                m.setQos(1);
                pub.publish("nio/t", m); // returns after the PUBACK
                assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("over nio");
            } finally {
                pub.disconnectForcibly(1000);
                sub.disconnectForcibly(1000);
                pub.close();
                sub.close();
            }
        } finally {
            if (before == null) {
                System.clearProperty("cairn.io");
            } else {
                System.setProperty("cairn.io", before);
            }
        }
    }
}
