package io.cairn.engine;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Where the session engine runs: by default its turns run on the event loop that serves the sockets
 * ({@code cairn-io}); {@code -Dcairn.engine=thread} gives it a thread of its own; any other value
 * stops start-up. Either way a persistent QoS 1 subscription gets what a publisher had acknowledged.
 */
class EnginePlacementTest {

    @Test
    void byDefaultTheEngineRunsOnTheConnectionsEventLoop() throws Exception {
        assertThat(engineThreadServingQos1(null)).isEqualTo("cairn-io");
    }

    @Test
    void withCairnEngineThreadTheEngineRunsOnAThreadOfItsOwn() throws Exception {
        assertThat(engineThreadServingQos1("thread")).isEqualTo("cairn-engine");
    }

    @Test
    void anUnknownCairnEngineValueStopsStartUpNamingWhatIsAllowed() throws Exception {
        withProperty("sideways", () -> assertThatThrownBy(TestBroker::start)
                .hasMessageContaining("-Dcairn.engine=sideways").hasMessageContaining("loop or thread"));
    }

    /** Runs a QoS 1 round trip; returns the thread that logged the subscriber's connect (the engine's). */
    private static String engineThreadServingQos1(String mode) throws Exception {
        Logger clients = (Logger) LoggerFactory.getLogger(ClientLog.CATEGORY);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        clients.addAppender(lines);
        String[] thread = new String[1];
        try {
            withProperty(mode, () -> {
                try (TestBroker broker = TestBroker.start()) {
                    roundTrip(broker);
                }
            });
            thread[0] = lines.list.stream().filter(e -> e.getFormattedMessage().contains("id=placement-sub"))
                    .findFirst().orElseThrow().getThreadName();
        } finally {
            clients.detachAppender(lines);
        }
        return thread[0];
    }

    private static void roundTrip(TestBroker broker) throws Exception {
        BlockingQueue<String> received = new ArrayBlockingQueue<>(10);
        MqttClient sub = new MqttClient(broker.uri(), "placement-sub", new MemoryPersistence());
        MqttClient pub = new MqttClient(broker.uri(), "placement-pub", new MemoryPersistence());
        try {
            MqttConnectOptions persistent = new MqttConnectOptions();
            persistent.setCleanSession(false);
            sub.connect(persistent);
            sub.subscribe("placement/t", 1, (topic, m) -> received.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
            pub.connect(new MqttConnectOptions());
            MqttMessage m = new MqttMessage("placed".getBytes(StandardCharsets.UTF_8));
            m.setQos(1);
            pub.publish("placement/t", m); // returns after the PUBACK
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("placed");
        } finally {
            pub.disconnectForcibly(1000);
            sub.disconnectForcibly(1000);
            pub.close();
            sub.close();
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void withProperty(String mode, Body body) throws Exception {
        String before = System.getProperty("cairn.engine");
        if (mode == null) {
            System.clearProperty("cairn.engine");
        } else {
            System.setProperty("cairn.engine", mode);
        }
        try {
            body.run();
        } finally {
            if (before == null) {
                System.clearProperty("cairn.engine");
            } else {
                System.setProperty("cairn.engine", before);
            }
        }
    }
}
