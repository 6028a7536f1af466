package io.cairn.client;

import io.cairn.test.OneBrokerPerClass;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The command-line client in-process against a real broker: acknowledgement when the caller says. */
class MqttClientTest extends OneBrokerPerClass {

    private static ClientOptions options(String id, boolean v5) {
        ClientOptions o = new ClientOptions();
        o.host = "127.0.0.1";
        o.port = broker.port();
        o.clientId = id;
        o.v5 = v5;
        o.cleanStart = false;
        o.autoAck = false;
        return o;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void withReceiveMaximumOneTheNextMessageComesOnlyAfterTheAcknowledgement() throws Exception {
        ClientOptions o = options("one-at-a-time", true);
        o.receiveMaximum = 1;
        MqttClient c = MqttClient.connect(o);
        MqttClient p = MqttClient.connect(options("one-pub", true));
        try {
            assertThat(c.subscribe(List.of("one/#"), 1)).containsExactly(1);
            for (int i = 1; i <= 3; i++) {
                p.publish("one/x", bytes("m" + i), 1, false).get(10, TimeUnit.SECONDS);
            }
            for (int i = 1; i <= 3; i++) {
                Message m = c.receive(10_000);
                assertThat(new String(m.payload(), StandardCharsets.UTF_8)).isEqualTo("m" + i);
                assertThat(c.receive(300)).as("nothing more before the PUBACK").isNull();
                c.acknowledge(m);
            }
        } finally {
            c.disconnect();
            p.disconnect();
        }
    }

    @Test
    void aPubrelNotCompletedComesAgainOnTheNextConnection() throws Exception {
        MqttClient p = MqttClient.connect(options("rel-pub", false));
        ClientOptions failing = options("rel", false);
        failing.onRelease = id -> {
            throw new IllegalStateException("not now");
        };
        MqttClient first = MqttClient.connect(failing);
        assertThat(first.subscribe(List.of("rel/#"), 2)).containsExactly(2);
        p.publish("rel/x", bytes("m1"), 2, false).get(10, TimeUnit.SECONDS);
        Message m = first.receive(10_000);
        assertThat(m.qos()).isEqualTo(2);
        first.acknowledge(m); // PUBREC; the PUBREL fails the listener: no PUBCOMP, connection closed
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (first.isConnected() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(first.isConnected()).isFalse();
        first.close();

        BlockingQueue<Integer> released = new LinkedBlockingQueue<>();
        ClientOptions again = options("rel", false);
        again.onRelease = released::add;
        MqttClient second = MqttClient.connect(again);
        try {
            assertThat(second.sessionPresent()).isTrue();
            assertThat(released.poll(10, TimeUnit.SECONDS)).isEqualTo(m.packetId());
            assertThat(second.receive(300)).as("the message itself is not sent again").isNull();
        } finally {
            second.disconnect();
            p.disconnect();
        }
    }

    @Test
    void aRefusedConnectionSaysWhy() throws Exception {
        ClientOptions o = options("", false); // 3.1.1: a persistent session without a client id is refused
        try {
            MqttClient.connect(o).close();
            throw new AssertionError("connected");
        } catch (MqttClientException e) {
            assertThat(e.getMessage()).startsWith("the broker refused the connection: ");
        }
    }
}
