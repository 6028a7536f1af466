package io.cairn.engine;

import io.cairn.routing.Budgets;
import io.cairn.routing.QueueLimits;
import io.cairn.state.BrokerState;
import io.cairn.state.Delivery;
import io.cairn.state.MessageProperties;
import io.cairn.state.SubscriptionOptions;
import io.cairn.store.MemoryStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The engine alone, without Netty or sockets: requests in, protocol-neutral {@link Outbound} events
 * out. The QoS flows in both directions, the downgrade to the granted QoS, a takeover, and the
 * refusal codes that only clients with reason codes get.
 */
class EngineWithoutSocketsTest {

    /** Records what the engine sends to one client. */
    private static final class Recorder implements Connection.Output {
        final List<Outbound> events = new CopyOnWriteArrayList<>();
        volatile boolean closed;

        @Override
        public void deliver(List<Outbound> batch, boolean close) {
            events.addAll(batch);
            closed |= close;
        }

        @Override
        public long publishSize(Delivery d) {
            return 100;
        }

        @Override
        public void holdReading(boolean hold) {
            held = hold;
        }

        volatile boolean held;

        <T extends Outbound> T next(Class<T> type, int index) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> ofType(type).size() > index);
            return ofType(type).get(index);
        }

        <T extends Outbound> List<T> ofType(Class<T> type) {
            List<T> out = new ArrayList<>();
            for (Outbound e : events) {
                if (type.isInstance(e)) {
                    out.add(type.cast(e));
                }
            }
            return out;
        }
    }

    private final SessionEngine engine = new SessionEngine(new BrokerState(), new MemoryStore(),
            new EngineLimits(1, 0, Budgets.unbounded(new QueueLimits(1000, 1 << 20, false)), 60), (where, cause) -> {
                throw new AssertionError(where, cause);
            }, new io.cairn.stats.BrokerStats());

    {
        engine.start();
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private Connection connect(Recorder out, String clientId, boolean reasonCodes) {
        Connection c = new Connection(out, clientId, reasonCodes, true, 0, null, 10, Long.MAX_VALUE);
        engine.connect(c);
        assertThat(out.next(Outbound.ConnAck.class, 0).sessionPresent()).isFalse();
        return c;
    }

    private static InboundPublish publish(String topic, int qos, int packetId) {
        return new InboundPublish(topic, qos, false, packetId, "m".getBytes(StandardCharsets.UTF_8), MessageProperties.NONE);
    }

    @Test
    void aQos2PublishIsAcknowledgedDeliveredAtTheGrantedQosAndReleased() {
        Recorder subOut = new Recorder();
        Recorder pubOut = new Recorder();
        Connection sub = connect(subOut, "sub", true);
        Connection pub = connect(pubOut, "pub", true);
        engine.subscribe(sub, 1, List.of(new SubscriptionRequest("a/#", SubscriptionOptions.ofQos(2))));
        assertThat(subOut.next(Outbound.SubAck.class, 0).results()).as("max QoS 1 granted").containsExactly(1);

        engine.publish(pub, publish("a/b", 2, 7));
        Outbound.Ack pubrec = pubOut.next(Outbound.Ack.class, 0);
        assertThat(pubrec).isEqualTo(new Outbound.Ack(Outbound.AckType.PUBREC, 7, Outbound.AckResult.SUCCESS));
        Outbound.Publish delivered = subOut.next(Outbound.Publish.class, 0);
        assertThat(delivered.delivery().qos()).as("min(message QoS 2, granted 1)").isEqualTo(1);
        assertThat(delivered.dup()).isFalse();

        engine.publish(pub, publish("a/b", 2, 7)); // re-sent before PUBREL: acknowledged, not routed again
        assertThat(pubOut.next(Outbound.Ack.class, 1).type()).isEqualTo(Outbound.AckType.PUBREC);
        engine.pubrel(pub, 7);
        assertThat(pubOut.next(Outbound.Ack.class, 2))
                .isEqualTo(new Outbound.Ack(Outbound.AckType.PUBCOMP, 7, Outbound.AckResult.SUCCESS));
        assertThat(subOut.ofType(Outbound.Publish.class)).hasSize(1);
    }

    @Test
    void unknownPacketIdsAreReportedOnlyToClientsWithReasonCodes() {
        Recorder v5 = new Recorder();
        Recorder v3 = new Recorder();
        Connection five = connect(v5, "five", true);
        Connection three = connect(v3, "three", false);
        engine.pubrel(five, 9);
        engine.pubrel(three, 9);
        assertThat(v5.next(Outbound.Ack.class, 0).result()).isEqualTo(Outbound.AckResult.PACKET_ID_NOT_FOUND);
        assertThat(v3.next(Outbound.Ack.class, 0).result()).isEqualTo(Outbound.AckResult.SUCCESS);
    }

    @Test
    void aTakeoverTellsTheOldConnectionAndClosesIt() {
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        connect(first, "same", true);
        connect(second, "same", true);
        assertThat(first.next(Outbound.Disconnect.class, 0).reason())
                .isEqualTo(Outbound.DisconnectReason.SESSION_TAKEN_OVER);
        await().atMost(5, TimeUnit.SECONDS).until(() -> first.closed);
        assertThat(second.closed).isFalse();
    }
}
