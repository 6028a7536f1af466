package io.cairn.metrics;

import io.cairn.config.BrokerConfig;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code $SYS/broker/...} topics, seen by a real client subscribed to {@code $SYS/#}, on a broker
 * with {@code sys_interval_s = 1} and no metrics endpoint ($SYS works without {@code bind}).
 */
class MetricsSysTopicsTest {

    /** The topics the issue asks for, in Mosquitto's names; each value is plain decimal text. */
    private static final List<String> NUMERIC = List.of("clients/connected", "clients/disconnected", "clients/total",
            "messages/received", "messages/sent", "publish/messages/received", "publish/messages/sent",
            "bytes/received", "bytes/sent", "subscriptions/count", "retained messages/count",
            "store/messages/count", "store/messages/bytes", "heap/current");

    private static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.startWith(c -> c.withMetrics(new BrokerConfig.Metrics(null, 0, 1)));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void theSysTopicsArriveWithSaneValues() throws Exception {
        assertThat(broker.metricsAddress()).as("no endpoint without bind").isNull();
        Map<String, String> seen = new ConcurrentHashMap<>();
        MqttClient client = new MqttClient(broker.uri(), "sys-watcher", new MemoryPersistence());
        try {
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            client.connect(o);
            client.subscribe("$SYS/#", 0, (topic, msg) ->
                    seen.put(topic, new String(msg.getPayload(), StandardCharsets.UTF_8)));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(seen).containsKeys("$SYS/broker/version", "$SYS/broker/uptime");
                for (String t : NUMERIC) {
                    assertThat(seen).containsKey("$SYS/broker/" + t);
                }
            });
            assertThat(seen.get("$SYS/broker/version")).startsWith("cairn version ").hasSizeGreaterThan(14);
            assertThat(seen.get("$SYS/broker/uptime")).matches("\\d+ seconds");
            for (String t : NUMERIC) {
                assertThat(seen.get("$SYS/broker/" + t)).as(t).matches("\\d+");
            }
            assertThat(Long.parseLong(seen.get("$SYS/broker/heap/current"))).isGreaterThan(0);
            String firstUptime = seen.get("$SYS/broker/uptime");
            await("uptime is published again every sys_interval_s").atMost(Duration.ofSeconds(5))
                    .until(() -> !seen.get("$SYS/broker/uptime").equals(firstUptime));
        } finally {
            client.disconnect();
            client.close();
        }
    }
}
