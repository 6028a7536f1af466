package io.cairn.interop;

import io.cairn.test.NodeClients;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MQTT.js, the JavaScript client of browsers and Node, over WebSocket: MQTT 3.1.1 and 5.0, subscribe at
 * QoS 2, publish at QoS 1 and 2, both messages back at their QoS.
 */
class MqttJsInteropTest {

    private static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @ParameterizedTest(name = "MQTT.js over ws, protocol version {0}")
    @ValueSource(ints = {4, 5})
    void mqttJsOverWebSocketPublishesAndReceivesAtQos1And2(int version) throws Exception {
        NodeClients.Outcome out = NodeClients.run("mqttjs-roundtrip.mjs", 60,
                "ws://127.0.0.1:" + broker.wsPort() + "/mqtt", Integer.toString(version));
        NodeClients.assertRoundTrip(out);
    }
}
