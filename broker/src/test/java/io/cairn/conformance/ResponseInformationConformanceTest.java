package io.cairn.conformance;

import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.cairn.test.Replies.connackProperties;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT 5.0 Response Information: with {@code [mqtt] response_information = "replies"} a client that
 * sets Request Response Information = 1 is told "replies/<its client id>" in CONNACK; nobody else is
 * [MQTT-3.1.2-28], and a broker without the key never sends it.
 */
class ResponseInformationConformanceTest {

    private static TestBroker configured;
    private static TestBroker plain;

    @BeforeAll
    static void start() throws Exception {
        configured = TestBroker.start(m -> m.with(b -> b.responseInformation = "replies"));
        plain = TestBroker.start();
    }

    @AfterAll
    static void stop() {
        configured.close();
        plain.close();
    }

    @Test
    void v5_S3_2_2_3_responseInformationWhenRequestedAndConfigured() throws Exception {
        assertThat(connack(configured, "ri-asks", Props.of().requestResponseInfo(1)))
                .containsEntry(Props.RESPONSE_INFO, "replies/ri-asks");
    }

    @Test
    void v5_MQTT_3_1_2_28_noResponseInformationUnlessRequested() throws Exception {
        assertThat(connack(configured, "ri-absent", Props.none())).doesNotContainKey(Props.RESPONSE_INFO);
        assertThat(connack(configured, "ri-zero", Props.of().requestResponseInfo(0))).doesNotContainKey(Props.RESPONSE_INFO);
    }

    @Test
    void v5_S3_2_2_3_noResponseInformationWhenNotConfigured() throws Exception {
        assertThat(connack(plain, "ri-plain", Props.of().requestResponseInfo(1))).doesNotContainKey(Props.RESPONSE_INFO);
    }

    private static Map<Integer, Object> connack(TestBroker broker, String clientId, Props props) throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), clientId, props)) {
            return connackProperties(c.connack());
        }
    }
}
