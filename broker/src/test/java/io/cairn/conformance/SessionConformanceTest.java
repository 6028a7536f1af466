package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.Replies;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Session state across connections (checklist sections 2 "Clean Session / Clean Start", "CONNACK"
 * and 11): session present, what a resumed session keeps, what a clean one drops, expiry, and the
 * re-sending of unacknowledged deliveries. The subscriber is always a {@link RawClient} so the test
 * decides which acknowledgements are sent.
 */
class SessionConformanceTest extends OneBrokerPerClass {

    /** Publishes QoS 0, 1 and 2 messages "q0", "q1", "q2" to {@code topic} from a 3.1.1 client and waits for the acks. */
    private static void publishQos012(String topic) throws IOException {
        try (RawClient pub = RawClient.connected311(broker.port(), "pub-" + topic.replace('/', '-'), true)) {
            pub.send(publish311(topic, 0, false, false, 0, utf8("q0")));
            pub.send(publish311(topic, 1, false, false, 1, utf8("q1")));
            assertThat(pub.read().type()).isEqualTo(PUBACK);
            pub.send(publish311(topic, 2, false, false, 2, utf8("q2")));
            assertThat(pub.read().type()).isEqualTo(PUBREC);
            pub.send(pubrel(2));
            assertThat(pub.read().type()).isEqualTo(PUBCOMP);
        }
    }

    private static void publish1(String topic, String payload) throws IOException {
        try (RawClient pub = RawClient.connected311(broker.port(), "pub1-" + topic.replace('/', '-'), true)) {
            pub.send(publish311(topic, 1, false, false, 1, utf8(payload)));
            assertThat(pub.read().type()).isEqualTo(PUBACK);
        }
    }

    // ---------------------------------------------------------------- 3.1.1 Clean Session

    @Test
    void v311_MQTT_3_1_2_4_resumedSessionKeepsItsSubscriptions() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "keep-subs", false)) {
            c.subscribe311("keep/subs", 1, 1);
            c.send(disconnect());
            assertThat(c.closedWithin(2000)).isTrue();
        }
        try (RawClient c = RawClient.connected311(broker.port(), "keep-subs", false)) {
            assertThat(c.connack().u8(0)).as("session present").isEqualTo(1);
            publish1("keep/subs", "live"); // no new SUBSCRIBE on this connection
            Packet p = c.read();
            assertThat(p.type()).isEqualTo(PUBLISH);
            assertThat(payload311(p)).isEqualTo("live");
            assertThat(qos(p)).isEqualTo(1);
        }
    }

    @Test
    void v311_MQTT_3_1_2_5_queuedQos1And2AreDeliveredOnResumeQos0IsNotQueued() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "queue311", false)) {
            c.subscribe311("queue/311", 2, 1);
            c.send(disconnect());
            assertThat(c.closedWithin(2000)).isTrue();
        }
        publishQos012("queue/311");
        try (RawClient c = RawClient.connected311(broker.port(), "queue311", false)) {
            assertThat(c.connack().u8(0)).isEqualTo(1);
            Packet a = c.read();
            assertThat(payload311(a)).isEqualTo("q1");
            assertThat(qos(a)).isEqualTo(1);
            c.send(puback(packetIdOf(a)));
            Packet b = c.read();
            assertThat(payload311(b)).isEqualTo("q2");
            assertThat(qos(b)).isEqualTo(2);
            c.send(pubrec(packetIdOf(b)));
            assertThat(c.read().type()).isEqualTo(PUBREL);
            c.send(pubcomp(packetIdOf(b)));
            assertThat(c.silentFor(400)).as("the QoS 0 message was not queued").isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_6_cleanSession1DiscardsTheStoredSubscriptionsAndQueue() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "discard311", false)) {
            c.subscribe311("discard/311", 1, 1);
        }
        awaitOffline("discard311");
        publish1("discard/311", "stale");
        try (RawClient c = RawClient.connected311(broker.port(), "discard311", true)) {
            assertThat(c.connack().u8(0)).as("session present").isZero();
            assertThat(c.silentFor(400)).as("the queued message went with the old session").isTrue();
            publish1("discard/311", "after");
            assertThat(c.silentFor(400)).as("the subscription went with the old session").isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_6_aCleanSessionIsNotReusedByTheNextConnection() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "transient311", true)) {
            c.subscribe311("transient/311", 1, 1);
        }
        awaitOffline("transient311");
        try (RawClient c = RawClient.connected311(broker.port(), "transient311", false)) {
            assertThat(c.connack().u8(0)).as("nothing kept from the clean session").isZero();
            publish1("transient/311", "x");
            assertThat(c.silentFor(400)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_6_takeoverOfACleanSessionDoesNotReuseItsState() throws Exception {
        try (RawClient old = RawClient.connected311(broker.port(), "takeover-clean311", true)) {
            old.subscribe311("tc311/t", 1, 1);
            // the old connection is still open: this CONNECT takes it over [MQTT-3.1.4-2]
            try (RawClient fresh = RawClient.connected311(broker.port(), "takeover-clean311", false)) {
                assertThat(old.closedWithin(2000)).isTrue();
                assertThat(fresh.connack().u8(0)).as("a CleanSession=1 session is never reused").isZero();
                publish1("tc311/t", "x");
                assertThat(fresh.silentFor(400)).as("its subscription is not inherited").isTrue();
            }
        }
    }

    /** Waits until the broker has handled the close of {@code clientId}'s connection. */
    private static void awaitOffline(String clientId) throws Exception {
        // the broker sees a client-side close asynchronously and exposes no event for it that a
        // test could await; a short pause lets it detach the connection (otherwise the next CONNECT
        // would be a takeover, which the takeover tests cover on purpose)
        Thread.sleep(150);
    }

    // ---------------------------------------------------------------- 3.1.1 re-sending

    @Test
    void v311_MQTT_4_4_0_1_unackedPublishesAreResentWithDupAndTheirIdsAndPubrelForPubrecdOnes() throws Exception {
        checkRedelivery(false);
    }

    @Test
    void v5_MQTT_4_4_0_1_unackedPublishesAreResentWithDupAndTheirIdsAndPubrelForPubrecdOnes() throws Exception {
        checkRedelivery(true);
    }

    /**
     * Deliveries A (QoS 1), B (QoS 2), C (QoS 2, PUBREC sent), D (QoS 1), E (QoS 2, PUBREC sent), all
     * unfinished when the subscriber vanishes. On resume: PUBLISH A, B, D with DUP=1 and the original
     * ids in the original order [MQTT-4.6.0-1], PUBREL for C then E [MQTT-4.6.0-4], nothing else; once
     * completed, a further resume re-sends nothing.
     */
    private static void checkRedelivery(boolean v5) throws Exception {
        String id = v5 ? "redeliver5" : "redeliver311";
        String topic = "redeliver/" + (v5 ? "5" : "311");
        String[] names = {"A", "B", "C", "D", "E"};
        int[] qos = {1, 2, 2, 1, 2};
        int[] ids = new int[5];
        try (RawClient sub = connect(v5, id, true);
             RawClient pub = RawClient.connected311(broker.port(), id + "-pub", true)) {
            if (v5) {
                sub.subscribe5(topic, 2, 1);
            } else {
                sub.subscribe311(topic, 2, 1);
            }
            for (int i = 0; i < 5; i++) {
                pub.send(publish311(topic, qos[i], false, false, i + 1, utf8(names[i])));
                Packet p = sub.read();
                assertThat(p.type()).isEqualTo(PUBLISH);
                assertThat(payload(v5, p)).isEqualTo(names[i]);
                assertThat(dup(p)).as("first delivery DUP=0").isFalse();
                ids[i] = packetIdOf(p);
            }
            sub.send(pubrec(ids[2]));
            assertThat(sub.read().u16(0)).isEqualTo(ids[2]);
            sub.send(pubrec(ids[4]));
            Packet rel = sub.read();
            assertThat(rel.type()).isEqualTo(PUBREL);
            assertThat(rel.u16(0)).isEqualTo(ids[4]);
        } // vanishes: no PUBACK for A, D; no PUBREC for B; no PUBCOMP for C, E
        awaitOffline(id);
        List<Packet> publishes = new ArrayList<>();
        List<Integer> pubrels = new ArrayList<>();
        try (RawClient sub = connect(v5, id, false)) {
            assertThat(sub.connack().u8(0)).as("session present").isEqualTo(1);
            for (int i = 0; i < 5; i++) {
                Packet p = sub.read();
                if (p.type() == PUBREL) {
                    assertThat(p.flags()).isEqualTo(0x02);
                    pubrels.add(p.u16(0));
                } else {
                    assertThat(p.type()).isEqualTo(PUBLISH);
                    publishes.add(p);
                }
            }
            assertThat(sub.silentFor(400)).as("nothing else is re-sent").isTrue();
            assertThat(publishes).extracting(p -> payload(v5, p)).containsExactly("A", "B", "D");
            assertThat(publishes).extracting(Replies::packetIdOf).containsExactly(ids[0], ids[1], ids[3]);
            assertThat(publishes).allSatisfy(p -> assertThat(dup(p)).as("DUP=1 [MQTT-3.3.1-1]").isTrue());
            assertThat(publishes).extracting(Replies::qos).containsExactly(1, 2, 1);
            assertThat(pubrels).containsExactly(ids[2], ids[4]);
            // finish everything
            sub.send(concat(puback(ids[0]), puback(ids[3]), pubcomp(ids[2]), pubcomp(ids[4]), pubrec(ids[1])));
            Packet rel = sub.readUntil(PUBREL);
            assertThat(rel.u16(0)).isEqualTo(ids[1]);
            sub.send(pubcomp(ids[1]));
            sub.send(pingreq());
            assertThat(sub.read().type()).isEqualTo(PINGRESP);
        }
        awaitOffline(id);
        try (RawClient sub = connect(v5, id, false)) {
            assertThat(sub.connack().u8(0)).isEqualTo(1);
            assertThat(sub.silentFor(400)).as("acknowledged deliveries are not re-sent").isTrue();
        }
    }

    private static RawClient connect(boolean v5, String id, boolean clean) throws IOException {
        return v5 ? RawClient.connected5(broker.port(), id, clean, 300) : RawClient.connected311(broker.port(), id, false);
    }

    private static String payload(boolean v5, Packet p) {
        return v5 ? payload5(p) : payload311(p);
    }

    // ---------------------------------------------------------------- 5.0 Clean Start and expiry

    @Test
    void v5_MQTT_3_1_2_5_resumedSessionKeepsSubscriptionsAndQueuedQos1And2NotQos0() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "queue5", true, 300)) {
            c.subscribe5("queue/5", 2, 1);
            c.send(disconnect5(0x00, Props.none()));
            assertThat(c.closedWithin(2000)).isTrue();
        }
        publishQos012("queue/5");
        try (RawClient c = RawClient.connected5(broker.port(), "queue5", false, 300)) {
            assertThat(c.connack().u8(0)).isEqualTo(1);
            Packet a = c.read();
            assertThat(payload5(a)).isEqualTo("q1");
            c.send(puback(packetIdOf(a)));
            Packet b = c.read();
            assertThat(payload5(b)).isEqualTo("q2");
            assertThat(qos(b)).isEqualTo(2);
            assertThat(c.silentFor(400)).as("QoS 0 not queued by default").isTrue();
            publish1("queue/5", "live");
            assertThat(payload5(c.read())).as("subscription kept").isEqualTo("live");
        }
    }

    @Test
    void v5_MQTT_3_1_2_4_cleanStart1DiscardsTheSessionAndItsQueue() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "discard5", true, 300)) {
            c.subscribe5("discard/5", 1, 1);
        }
        awaitOffline("discard5");
        publish1("discard/5", "stale");
        try (RawClient c = RawClient.connected5(broker.port(), "discard5", true, 300)) {
            assertThat(c.connack().u8(0)).as("session present [MQTT-3.2.2-2]").isZero();
            assertThat(c.silentFor(400)).as("queued message discarded").isTrue();
            publish1("discard/5", "after");
            assertThat(c.silentFor(400)).as("subscription discarded").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_2_2_3_sessionPresentReflectsWhetherASessionWasStored() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "sp-flag-5", false, 300)) {
            assertThat(c.connack().u8(0)).as("Clean Start 0, no session yet").isZero();
            assertThat(c.connack().u8(1)).isZero();
        }
        awaitOffline("sp-flag-5");
        try (RawClient c = RawClient.connected5(broker.port(), "sp-flag-5", false, 300)) {
            assertThat(c.connack().u8(0)).as("Clean Start 0, session stored").isEqualTo(1);
        }
    }

    @Test
    void v5_MQTT_4_1_0_2_aSessionOfExpiry2sIsKeptWithinAndGoneAfterIt() throws Exception {
        for (String id : List.of("exp2-early", "exp2-late")) {
            try (RawClient c = RawClient.connected5(broker.port(), id, true, 2)) {
                c.subscribe5("exp2/" + id, 1, 1);
                c.send(disconnect5(0x00, Props.none()));
                assertThat(c.closedWithin(2000)).isTrue();
            }
        }
        Thread.sleep(800);
        try (RawClient c = RawClient.connected5(broker.port(), "exp2-early", false, 0)) {
            assertThat(c.connack().u8(0)).as("within the expiry interval [MQTT-3.1.2-23]").isEqualTo(1);
        }
        Thread.sleep(2000); // 2.8 s after the disconnect
        try (RawClient c = RawClient.connected5(broker.port(), "exp2-late", false, 0)) {
            assertThat(c.connack().u8(0)).as("expired").isZero();
            publish1("exp2/exp2-late", "x");
            assertThat(c.silentFor(400)).as("its subscription is gone too").isTrue();
        }
    }

    @Test
    void v5_S3_1_2_11_2_expiry0EndsTheSessionWhenTheSocketCloses() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "exp0-drop", true, 0)) {
            c.subscribe5("exp0/drop", 1, 1);
        } // no DISCONNECT
        awaitOffline("exp0-drop");
        try (RawClient c = RawClient.connected5(broker.port(), "exp0-drop", false, 0)) {
            assertThat(c.connack().u8(0)).isZero();
            publish1("exp0/drop", "x");
            assertThat(c.silentFor(400)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_2_4_takeoverWithCleanStart1StartsAFreshSession() throws Exception {
        try (RawClient old = RawClient.connected5(broker.port(), "takeover-clean5", true, 300)) {
            old.subscribe5("tc5/t", 1, 1);
            try (RawClient fresh = RawClient.connected5(broker.port(), "takeover-clean5", true, 300)) {
                Packet d = old.read();
                assertThat(d.type()).isEqualTo(DISCONNECT);
                assertThat(d.u8(0)).isEqualTo(0x8E);
                assertThat(old.closedWithin(2000)).isTrue();
                assertThat(fresh.connack().u8(0)).isZero();
                publish1("tc5/t", "x");
                assertThat(fresh.silentFor(400)).isTrue();
            }
        }
    }

    @Test
    void v5_MQTT_3_1_4_3_takeoverWithCleanStart0ResumesTheSessionOnTheNewConnection() throws Exception {
        try (RawClient old = RawClient.connected5(broker.port(), "takeover-keep5", true, 300)) {
            old.subscribe5("tk5/t", 1, 1);
            try (RawClient fresh = RawClient.connected5(broker.port(), "takeover-keep5", false, 300)) {
                Packet d = old.read();
                assertThat(d.type()).isEqualTo(DISCONNECT);
                assertThat(d.u8(0)).isEqualTo(0x8E);
                assertThat(old.closedWithin(2000)).isTrue();
                assertThat(fresh.connack().u8(0)).as("session present").isEqualTo(1);
                publish1("tk5/t", "moved");
                assertThat(payload5(fresh.read())).isEqualTo("moved");
            }
        }
    }
}
