package io.cairn.interop;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.cairn.test.OneBrokerPerClass;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Eclipse Paho (MQTT 3.1.1 and 5.0 clients) and the HiveMQ client (its MQTT 3 blocking API and its
 * MQTT 5 async API) publishing to each other through Cairn at QoS 0, 1 and 2; long runs at QoS 1
 * and 2 arrive exactly once and in order; Paho 3 and HiveMQ 5 over WebSocket.
 */
class ClientLibrariesInteropTest extends OneBrokerPerClass {

    /** One message as a subscriber saw it. */
    record Received(String topic, String payload, int qos) {
    }

    /** The little every library must do here. */
    interface Client extends AutoCloseable {
        void subscribe(String filter, int qos, BlockingQueue<Received> sink) throws Exception;

        /** Publishes; for QoS 1/2 the call may return before the flow completes but keeps the order. */
        void publish(String topic, String payload, int qos) throws Exception;

        /** Waits until everything published has completed its QoS flow. */
        default void flush() throws Exception {
        }
    }

    enum Library {
        PAHO_V3 {
            @Override
            Client open(String uri, String host, int port, String id) throws Exception {
                var c = new org.eclipse.paho.client.mqttv3.MqttClient(uri, id, new MemoryPersistence());
                MqttConnectOptions options = new MqttConnectOptions();
                options.setCleanSession(true);
                options.setMaxInflight(PAHO_V3_MAX_INFLIGHT);
                PahoWindow window = new PahoWindow(options.getMaxInflight());
                // Paho 3 matches a message against its subscriptions' filters to find their listener, and
                // it does not know $share filters: those messages come here instead
                List<BlockingQueue<Received>> sharedSinks = new ArrayList<>();
                c.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                    public void connectionLost(Throwable cause) {
                    }

                    public void messageArrived(String t, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                        sharedSinks.forEach(s -> s.add(new Received(t, new String(m.getPayload(), StandardCharsets.UTF_8),
                                m.getQos())));
                    }

                    public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                        window.release();
                    }
                });
                c.connect(options);
                return new Client() {
                    public void subscribe(String filter, int qos, BlockingQueue<Received> sink) throws Exception {
                        if (filter.startsWith("$share/")) {
                            sharedSinks.add(sink);
                            c.subscribe(filter, qos);
                            return;
                        }
                        c.subscribe(filter, qos, (t, m) -> sink.add(new Received(t, new String(m.getPayload(), StandardCharsets.UTF_8), m.getQos())));
                    }

                    public void publish(String topic, String payload, int qos) throws Exception {
                        window.acquire();
                        c.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false); // waits for the flow
                    }

                    public void close() throws Exception {
                        c.disconnect();
                        c.close();
                    }
                };
            }
        },
        PAHO_V5 {
            @Override
            Client open(String uri, String host, int port, String id) throws Exception {
                var c = new org.eclipse.paho.mqttv5.client.MqttClient(uri, id,
                        new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
                List<BlockingQueue<Received>> sinks = new ArrayList<>();
                PahoWindow[] window = new PahoWindow[1]; // known from the CONNACK, before the first publish
                c.setCallback(new MqttCallback() {
                    public void disconnected(MqttDisconnectResponse r) {
                    }

                    public void mqttErrorOccurred(MqttException e) {
                    }

                    public void messageArrived(String t, MqttMessage m) {
                        sinks.forEach(s -> s.add(new Received(t, new String(m.getPayload(), StandardCharsets.UTF_8), m.getQos())));
                    }

                    public void deliveryComplete(IMqttToken token) {
                        window[0].release();
                    }

                    public void connectComplete(boolean reconnect, String serverURI) {
                    }

                    public void authPacketArrived(int reasonCode, MqttProperties properties) {
                    }
                });
                MqttConnectionOptions options = new MqttConnectionOptions();
                options.setCleanStart(true);
                Integer receiveMaximum = c.connectWithResult(options).getResponseProperties().getReceiveMaximum();
                window[0] = new PahoWindow(receiveMaximum == null ? 65535 : receiveMaximum); // absent: 65535
                return new Client() {
                    public void subscribe(String filter, int qos, BlockingQueue<Received> sink) throws Exception {
                        sinks.add(sink);
                        c.subscribe(filter, qos);
                    }

                    public void publish(String topic, String payload, int qos) throws Exception {
                        window[0].acquire();
                        c.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false); // waits for the flow
                    }

                    public void close() throws Exception {
                        c.disconnect();
                        c.close();
                    }
                };
            }
        },
        HIVEMQ_3_BLOCKING {
            @Override
            Client open(String uri, String host, int port, String id) {
                Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier(id)
                        .serverHost(host).serverPort(port).buildBlocking();
                c.connect();
                return new Client() {
                    public void subscribe(String filter, int qos, BlockingQueue<Received> sink) throws Exception {
                        c.toAsync().subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos))
                                .callback(p -> sink.add(new Received(p.getTopic().toString(),
                                        new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), p.getQos().getCode())))
                                .send().get(5, TimeUnit.SECONDS);
                    }

                    public void publish(String topic, String payload, int qos) {
                        c.publishWith().topic(topic).qos(MqttQos.fromCode(qos))
                                .payload(payload.getBytes(StandardCharsets.UTF_8)).send(); // blocks until acknowledged
                    }

                    public void close() {
                        c.disconnect();
                    }
                };
            }
        },
        HIVEMQ_5_ASYNC {
            @Override
            Client open(String uri, String host, int port, String id) throws Exception {
                Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(id)
                        .serverHost(host).serverPort(port).buildAsync();
                c.connect().get(5, TimeUnit.SECONDS);
                List<CompletableFuture<?>> pending = new ArrayList<>();
                return new Client() {
                    public void subscribe(String filter, int qos, BlockingQueue<Received> sink) throws Exception {
                        c.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos))
                                .callback(p -> sink.add(new Received(p.getTopic().toString(),
                                        new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), p.getQos().getCode())))
                                .send().get(5, TimeUnit.SECONDS);
                    }

                    public void publish(String topic, String payload, int qos) {
                        pending.add(c.publishWith().topic(topic).qos(MqttQos.fromCode(qos))
                                .payload(payload.getBytes(StandardCharsets.UTF_8)).send());
                    }

                    public void flush() throws Exception {
                        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
                        for (CompletableFuture<?> f : pending) {
                            assertThat(f).isCompleted(); // a failed publish result would have thrown in get()
                        }
                        pending.clear();
                    }

                    public void close() throws Exception {
                        c.disconnect().get(5, TimeUnit.SECONDS);
                    }
                };
            }
        };

        abstract Client open(String uri, String host, int port, String id) throws Exception;

        Client open(String id) throws Exception {
            return open(broker.uri(), "127.0.0.1", broker.port(), id);
        }
    }

    /** Paho 3.1.1's limit on publishes in progress, stated rather than left at its default of 10. */
    private static final int PAHO_V3_MAX_INFLIGHT = 64;

    /**
     * Keeps a Paho client within its window of publishes in progress (3.1.1: max inflight; 5.0: the
     * broker's Receive Maximum), past which Paho refuses a publish with 32202 "Too many publishes in
     * progress". A blocking publish returns when the flow completes, but Paho 1.2.5 frees the message's
     * slot later, on its callback thread ({@code ClientState.notifyComplete}; reported as
     * eclipse-paho/paho.mqtt.java#551 and #993), so a fast publisher can fill the window with messages
     * already acknowledged. Paho calls {@code deliveryComplete} after freeing the
     * slot: a permit is taken before every publish and given back there. One slot is kept spare: for
     * QoS 0 Paho may call {@code deliveryComplete} just before it frees the slot.
     *
     * <p>Threading: acquire on the publishing thread, release on Paho's callback thread.
     */
    static final class PahoWindow {
        private final Semaphore permits;

        PahoWindow(int window) {
            permits = new Semaphore(Math.max(1, window - 1));
        }

        void acquire() throws InterruptedException {
            assertThat(permits.tryAcquire(10, TimeUnit.SECONDS)).as("Paho completed a delivery within 10 s").isTrue();
        }

        void release() {
            permits.release();
        }
    }

    static Stream<Arguments> everyPublisherAndSubscriber() {
        return Stream.of(Library.values()).flatMap(p -> Stream.of(Library.values()).map(s -> Arguments.of(p, s)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("everyPublisherAndSubscriber")
    void everyLibraryPublishesToEveryLibraryAtEveryQos(Library publisher, Library subscriber) throws Exception {
        String base = "libs/" + publisher + "/" + subscriber;
        BlockingQueue<Received> got = new LinkedBlockingQueue<>();
        try (Client sub = subscriber.open("s-" + subscriber.ordinal() + "-" + publisher.ordinal());
             Client pub = publisher.open("p-" + publisher.ordinal() + "-" + subscriber.ordinal())) {
            sub.subscribe(base + "/#", 2, got);
            for (int qos = 0; qos <= 2; qos++) {
                pub.publish(base + "/q" + qos, "from " + publisher + " at QoS " + qos, qos);
            }
            pub.flush();
            List<Received> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Received r = got.poll(5, TimeUnit.SECONDS);
                assertThat(r).as("message %d of 3 (so far %s)", i + 1, all).isNotNull();
                all.add(r);
            }
            // granted QoS 2: each arrives at the QoS it was published with
            assertThat(all).containsExactlyInAnyOrder(
                    new Received(base + "/q0", "from " + publisher + " at QoS 0", 0),
                    new Received(base + "/q1", "from " + publisher + " at QoS 1", 1),
                    new Received(base + "/q2", "from " + publisher + " at QoS 2", 2));
            assertThat(got.poll(200, TimeUnit.MILLISECONDS)).as("no duplicates").isNull();
        }
    }

    static Stream<Arguments> longRuns() {
        return Stream.of(Arguments.of(Library.PAHO_V5, Library.HIVEMQ_3_BLOCKING, 1),
                Arguments.of(Library.HIVEMQ_5_ASYNC, Library.PAHO_V3, 1),
                Arguments.of(Library.PAHO_V3, Library.HIVEMQ_5_ASYNC, 2),
                Arguments.of(Library.HIVEMQ_3_BLOCKING, Library.PAHO_V5, 2));
    }

    @ParameterizedTest(name = "{0} -> {1} at QoS {2}")
    @MethodSource("longRuns")
    void thousandMessagesArriveExactlyOnceAndInOrder(Library publisher, Library subscriber, int qos) throws Exception {
        String topic = "long/" + publisher + "/" + subscriber + "/" + qos;
        BlockingQueue<Received> got = new LinkedBlockingQueue<>();
        List<String> expected = IntStream.range(0, 1000).mapToObj(i -> "m" + i).toList();
        try (Client sub = subscriber.open("ls-" + qos + subscriber.ordinal());
             Client pub = publisher.open("lp-" + qos + publisher.ordinal())) {
            sub.subscribe(topic, qos, got);
            for (String m : expected) {
                pub.publish(topic, m, qos);
            }
            pub.flush();
            List<String> payloads = new ArrayList<>();
            for (int i = 0; i < expected.size(); i++) {
                Received r = got.poll(10, TimeUnit.SECONDS);
                assertThat(r).as("message %d of 1000", i + 1).isNotNull();
                assertThat(r.qos()).isEqualTo(qos);
                payloads.add(r.payload());
            }
            assertThat(payloads).containsExactlyElementsOf(expected); // [MQTT-4.6.0-6] order per topic and QoS
            assertThat(got.poll(300, TimeUnit.MILLISECONDS)).as("no duplicates after the 1000th").isNull();
        }
    }

    /**
     * One shared subscription with a member of every library (3.1.1 members too: Cairn accepts
     * {@code $share} from them, as Mosquitto and HiveMQ do): each message reaches exactly one member,
     * and every member gets some.
     */
    @Test
    void aSharedSubscriptionWithAMemberOfEveryLibraryGetsEachMessageOnce() throws Exception {
        List<BlockingQueue<Received>> sinks = new ArrayList<>();
        List<Client> members = new ArrayList<>();
        try (Client pub = Library.HIVEMQ_5_ASYNC.open("share-pub")) {
            for (Library library : Library.values()) {
                Client member = library.open("share-member-" + library.ordinal());
                members.add(member);
                BlockingQueue<Received> sink = new LinkedBlockingQueue<>();
                sinks.add(sink);
                member.subscribe("$share/libs/shared/t", 1, sink);
            }
            List<String> expected = IntStream.range(0, 400).mapToObj(i -> "s" + i).toList();
            for (String m : expected) {
                pub.publish("shared/t", m, 1);
            }
            pub.flush();
            List<String> all = new ArrayList<>();
            int[] perMember = new int[sinks.size()];
            long deadline = System.currentTimeMillis() + 10_000;
            while (all.size() < expected.size() && System.currentTimeMillis() < deadline) {
                for (int i = 0; i < sinks.size(); i++) {
                    Received r = sinks.get(i).poll(10, TimeUnit.MILLISECONDS);
                    if (r != null) {
                        assertThat(r.topic()).as("the topic, not the shared filter").isEqualTo("shared/t");
                        assertThat(r.qos()).isEqualTo(1);
                        all.add(r.payload());
                        perMember[i]++;
                    }
                }
            }
            Thread.sleep(300); // a duplicate would arrive now
            sinks.forEach(sink -> sink.forEach(r -> all.add(r.payload())));
            assertThat(all).as("each message once, to one member").containsExactlyInAnyOrderElementsOf(expected);
            for (int i = 0; i < perMember.length; i++) {
                assertThat(perMember[i]).as("%s got some", Library.values()[i]).isPositive();
            }
        } finally {
            for (Client member : members) {
                member.close();
            }
        }
    }

    @Test
    void pahoV3OverWebSocketRoundTrip() throws Exception {
        BlockingQueue<Received> got = new LinkedBlockingQueue<>();
        try (Client c = Library.PAHO_V3.open("ws://127.0.0.1:" + broker.wsPort() + "/mqtt", null, 0, "paho-ws")) {
            c.subscribe("ws/t", 2, got);
            c.publish("ws/t", "over websocket", 1);
            String big = "x".repeat(200_000); // spans many WebSocket frames [MQTT-6.0.0-2]
            c.publish("ws/t", big, 2);
            assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo(new Received("ws/t", "over websocket", 1));
            assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo(new Received("ws/t", big, 2));
        }
    }

    @Test
    void hivemq5OverWebSocketRoundTrip() throws Exception {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier("hm5-ws")
                .serverHost("127.0.0.1").serverPort(broker.wsPort())
                .webSocketConfig().serverPath("mqtt").applyWebSocketConfig()
                .buildBlocking();
        c.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter("ws5/t").qos(MqttQos.EXACTLY_ONCE).send();
            c.publishWith().topic("ws5/t").qos(MqttQos.EXACTLY_ONCE).payload("ws5".getBytes()).send();
            Mqtt5Publish p = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(p.getTopic().toString()).isEqualTo("ws5/t");
            assertThat(p.getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
            assertThat(new String(p.getPayloadAsBytes())).isEqualTo("ws5");
        } finally {
            c.disconnect();
        }
    }

    @Test
    void webSocketAndTcpClientsReachEachOther() throws Exception {
        BlockingQueue<Received> overWs = new LinkedBlockingQueue<>();
        BlockingQueue<Received> overTcp = new LinkedBlockingQueue<>();
        try (Client ws = Library.PAHO_V3.open("ws://127.0.0.1:" + broker.wsPort() + "/mqtt", null, 0, "mixed-ws");
             Client tcp = Library.HIVEMQ_5_ASYNC.open("mixed-tcp")) {
            ws.subscribe("mixed/to-ws", 1, overWs);
            tcp.subscribe("mixed/to-tcp", 1, overTcp);
            tcp.publish("mixed/to-ws", "tcp to ws", 1);
            tcp.flush();
            ws.publish("mixed/to-tcp", "ws to tcp", 1);
            assertThat(overWs.poll(5, TimeUnit.SECONDS)).isEqualTo(new Received("mixed/to-ws", "tcp to ws", 1));
            assertThat(overTcp.poll(5, TimeUnit.SECONDS)).isEqualTo(new Received("mixed/to-tcp", "ws to tcp", 1));
        }
    }
}
