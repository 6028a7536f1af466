package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import io.cairn.test.Replies;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared subscriptions, {@code $share/{ShareName}/{filter}} (5.0 section 4.8.2), on the wire: each
 * message to one member, QoS per member, what happens to a message in flight to a member that
 * leaves, and the group's queue while no member is connected.
 */
class SharedSubscriptionConformanceTest extends OneBrokerPerClass {

    private static RawClient member(String clientId, String share, int qos, int receiveMaximum, long expiry)
            throws IOException {
        Props props = Props.of().receiveMaximum(receiveMaximum);
        if (expiry > 0) {
            props.sessionExpiry(expiry);
        }
        RawClient c = RawClient.connected5(broker.port(), clientId, props);
        assertThat(reasonCodes5(c.subscribe5(share, qos, 1))).containsExactly(qos);
        return c;
    }

    private static RawClient publisher(String clientId) throws IOException {
        return RawClient.connected5(broker.port(), clientId, true, 0);
    }

    /** Publishes QoS {@code qos} messages "0".."n-1" and waits for each acknowledgement. */
    private static void publish(RawClient pub, String topic, int qos, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            pub.send(publish5(topic, qos, false, i + 1, String.valueOf(i)));
            if (qos == 1) {
                pub.readUntil(PUBACK);
            } else if (qos == 2) {
                pub.readUntil(PUBREC);
                pub.send(pubrel(i + 1));
                pub.readUntil(PUBCOMP);
            }
        }
    }

    /** Reads PUBLISHes until {@code quietMillis} pass without one, acknowledging QoS 1; returns the payloads. */
    private static List<String> drain(RawClient c, int quietMillis) throws IOException {
        List<String> got = new ArrayList<>();
        Packet p;
        while ((p = c.poll(quietMillis)) != null) {
            if (p.type() != PUBLISH) {
                continue;
            }
            got.add(payload5(p));
            if (qos(p) == 1) {
                c.send(puback(packetIdOf(p)));
            } else if (qos(p) == 2) {
                c.send(pubrec(packetIdOf(p)));
                c.readUntil(PUBREL);
                c.send(pubcomp(packetIdOf(p)));
            }
        }
        return got;
    }

    @Test
    void v5_S4_8_2_eachMessageGoesToExactlyOneMemberAndEveryMemberGetsSome() throws IOException {
        try (RawClient a = member("rr-a", "$share/rr/rr/t", 1, 100, 0);
             RawClient b = member("rr-b", "$share/rr/rr/t", 1, 100, 0);
             RawClient c = member("rr-c", "$share/rr/rr/t", 1, 100, 0);
             RawClient pub = publisher("rr-pub")) {
            publish(pub, "rr/t", 1, 30);
            List<String> all = new ArrayList<>();
            List<String> gotA = drain(a, 300);
            List<String> gotB = drain(b, 300);
            List<String> gotC = drain(c, 300);
            all.addAll(gotA);
            all.addAll(gotB);
            all.addAll(gotC);
            assertThat(all).as("every message once, to one member").hasSize(30).doesNotHaveDuplicates();
            assertThat(gotA).as("round robin").hasSize(10);
            assertThat(gotB).hasSize(10);
            assertThat(gotC).hasSize(10);
        }
    }

    @Test
    void v5_S4_8_2_aMemberWithAFullWindowIsPassedOver() throws IOException {
        try (RawClient slow = member("win-slow", "$share/win/win/t", 1, 1, 0);
             RawClient fast = member("win-fast", "$share/win/win/t", 1, 100, 0);
             RawClient pub = publisher("win-pub")) {
            publish(pub, "win/t", 1, 20);
            List<String> fromFast = drain(fast, 300);
            Packet first = slow.read(); // the slow member holds one, unacknowledged
            assertThat(first.type()).isEqualTo(PUBLISH);
            assertThat(slow.poll(200)).as("its window is full").isNull();
            assertThat(fromFast).as("the other member takes the rest").hasSize(19);
        }
    }

    @Test
    void v5_MQTT_3_3_4_5_aSharedAndAPlainSubscriptionOfOneSessionEachGetACopyWithItsOwnIdentifier()
            throws IOException {
        try (RawClient a = RawClient.connected5(broker.port(), "both-a", Props.of().receiveMaximum(100));
             RawClient pub = publisher("both-pub")) {
            a.send(subscribe5(1, "$share/both/both/t", 1, Props.of().subscriptionId(5)));
            a.readUntil(SUBACK);
            a.send(subscribe5(2, "both/t", 1, Props.of().subscriptionId(6)));
            a.readUntil(SUBACK);
            publish(pub, "both/t", 1, 1);
            List<Object> ids = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Packet p = a.read();
                assertThat(payload5(p)).isEqualTo("0");
                ids.addAll(prop(p, 0x0B));
                a.send(puback(packetIdOf(p)));
            }
            assertThat(ids).as("one copy per subscription, each with its own identifier").containsExactlyInAnyOrder(5, 6);
            assertThat(a.poll(300)).as("two copies, no more").isNull();
        }
    }

    @Test
    void v5_S3_2_2_3_11_wildcardAndSharedSubscriptionsAreAdvertisedAvailableAndGranted() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "avail", true, 0)) {
            var props = connackProperties(c.connack());
            assertThat(props.getOrDefault(0x28, 1)).as("Wildcard Subscription Available").isEqualTo(1);
            assertThat(props.getOrDefault(0x2A, 1)).as("Shared Subscription Available").isEqualTo(1);
            c.send(subscribe(1).filter("avail/+/x", 1).filter("$share/g/avail/#", 1).v5());
            assertThat(reasonCodes5(c.readUntil(SUBACK))).containsExactly(1, 1);
            assertThat(c.stillOpenAfter(200)).as("no Protocol Error").isTrue();
        }
    }

    @Test
    void v5_MQTT_4_8_2_3_eachMemberGetsTheQosGrantedToItsOwnSubscription() throws IOException {
        try (RawClient q0 = member("qos-0", "$share/qos/qos/t", 0, 100, 0);
             RawClient q2 = member("qos-2", "$share/qos/qos/t", 2, 100, 0);
             RawClient pub = publisher("qos-pub")) {
            publish(pub, "qos/t", 2, 10);
            Set<Integer> qosAtZero = new HashSet<>();
            Packet p;
            while ((p = q0.poll(300)) != null) {
                qosAtZero.add(qos(p));
            }
            Set<Integer> qosAtTwo = new HashSet<>();
            while ((p = q2.poll(300)) != null) {
                if (p.type() == PUBLISH) {
                    qosAtTwo.add(qos(p));
                    q2.send(pubrec(packetIdOf(p)));
                } else if (p.type() == PUBREL) {
                    q2.send(pubcomp(ackId(p)));
                }
            }
            assertThat(qosAtZero).containsExactly(0);
            assertThat(qosAtTwo).containsExactly(2);
        }
    }

    @Test
    void v5_S3_3_2_3_8_onlyTheReceivingMembersOwnSubscriptionIdentifierIsSent() throws IOException {
        try (RawClient a = RawClient.connected5(broker.port(), "sid-a", Props.of().receiveMaximum(100));
             RawClient b = RawClient.connected5(broker.port(), "sid-b", Props.of().receiveMaximum(100));
             RawClient pub = publisher("sid-pub")) {
            a.send(subscribe5(1, "$share/sid/sid/t", 1, Props.of().subscriptionId(11)));
            a.readUntil(SUBACK);
            b.send(subscribe5(1, "$share/sid/sid/t", 1, Props.of().subscriptionId(22)));
            b.readUntil(SUBACK);
            publish(pub, "sid/t", 1, 4);
            for (RawClient c : List.of(a, b)) {
                int expected = c == a ? 11 : 22;
                Packet p;
                int seen = 0;
                while ((p = c.poll(300)) != null) {
                    assertThat(prop(p, 0x0B)).as("Subscription Identifier").containsExactly(expected);
                    c.send(puback(packetIdOf(p)));
                    seen++;
                }
                assertThat(seen).isEqualTo(2);
            }
        }
    }

    @Test
    void v5_S4_8_2_noRetainedMessagesAreSentWhenASharedSubscriptionIsMade() throws IOException {
        try (RawClient pub = publisher("ret-pub")) {
            pub.send(publish5("ret/t", 1, true, 1, "kept"));
            pub.readUntil(PUBACK);
            try (RawClient a = member("ret-a", "$share/ret/ret/t", 1, 100, 0)) {
                assertThat(a.poll(300)).as("no retained message").isNull();
            }
            pub.send(publish5("ret/t", 0, true, 0, ""));
        }
    }

    @Test
    void v5_S4_8_2_qos1InFlightToAMemberThatDisconnectsGoesToAnotherMember() throws IOException {
        try (RawClient stay = member("q1-stay", "$share/q1/q1/t", 1, 1, 0);
             RawClient pub = publisher("q1-pub")) {
            Packet held;
            try (RawClient leave = member("q1-leave", "$share/q1/q1/t", 1, 100, 3600)) {
                publish(pub, "q1/t", 1, 2);
                // round robin: one message each; the leaving member never acknowledges its one
                held = leave.read();
                assertThat(held.type()).isEqualTo(PUBLISH);
            }
            List<String> got = drain(stay, 500);
            assertThat(got).as("its own message, then the one the leaving member never acknowledged")
                    .containsExactlyInAnyOrder("0", "1");
        }
    }

    @Test
    void v5_MQTT_4_8_2_4_qos2InFlightIsCompletedToTheSameMemberWhenItReconnects() throws IOException {
        try (RawClient other = member("q2-other", "$share/q2/q2/t", 2, 1, 0);
             RawClient pub = publisher("q2-pub")) {
            int packetId;
            try (RawClient first = member("q2-first", "$share/q2/q2/t", 2, 1, 3600)) {
                // the other member's window (1) is filled first, so the next message goes to "first"
                publish(pub, "q2/t", 2, 2);
                Packet p = first.read();
                assertThat(p.type()).isEqualTo(PUBLISH);
                packetId = packetIdOf(p);
            }
            Packet toOther = other.read();
            other.send(pubrec(packetIdOf(toOther)));
            other.readUntil(PUBREL);
            other.send(pubcomp(packetIdOf(toOther)));
            assertThat(other.poll(400)).as("the QoS 2 message in flight to the member that left is not handed on")
                    .isNull();
            try (RawClient back = RawClient.accepted(broker.port(), connect5("q2-first", false, 60,
                    Props.of().sessionExpiry(3600).receiveMaximum(1)))) {
                Packet again = back.read();
                assertThat(again.type()).isEqualTo(PUBLISH);
                assertThat(dup(again)).as("re-sent").isTrue();
                assertThat(packetIdOf(again)).as("same packet id").isEqualTo(packetId);
                back.send(pubrec(packetId));
                back.readUntil(PUBREL);
                back.send(pubcomp(packetId));
                back.send(disconnect5(0));
            }
        }
    }

    @Test
    void v5_MQTT_4_8_2_5_aQos2MessageIsNotHandedToAnotherMemberWhenTheChosenMembersSessionEnds() throws IOException {
        try (RawClient other = member("end-other", "$share/end/end/t", 2, 1, 0);
             RawClient pub = publisher("end-pub")) {
            try (RawClient first = member("end-first", "$share/end/end/t", 2, 1, 0)) {
                publish(pub, "end/t", 2, 2);
                assertThat(first.read().type()).isEqualTo(PUBLISH);
            } // session expiry 0: the session ends with the connection
            Packet toOther = other.read();
            other.send(pubrec(packetIdOf(toOther)));
            other.readUntil(PUBREL);
            other.send(pubcomp(packetIdOf(toOther)));
            assertThat(other.poll(500)).as("[MQTT-4.8.2-5]").isNull();
        }
    }

    @Test
    void v5_MQTT_4_8_2_6_aNegativeAcknowledgementDiscardsTheMessageWithoutTryingAnotherMember() throws IOException {
        try (RawClient refuser = member("neg-a", "$share/neg/neg/t", 1, 100, 0);
             RawClient other = member("neg-b", "$share/neg/neg/t", 1, 100, 0);
             RawClient pub = publisher("neg-pub")) {
            publish(pub, "neg/t", 1, 2);
            Packet p = refuser.read();
            refuser.send(puback(packetIdOf(p), 0x80));
            List<String> got = drain(other, 400);
            assertThat(got).as("only its own message").hasSize(1).doesNotContain(payload5(p));
        }
    }

    @Test
    void v5_S4_8_2_theGroupQueuesWhileNoMemberIsConnectedAndDeliversInOrderOnReturn() throws IOException {
        try (RawClient m = member("q-only", "$share/off/off/t", 1, 100, 3600)) {
            m.send(disconnect5(0));
        }
        try (RawClient pub = publisher("off-pub")) {
            publish(pub, "off/t", 1, 20);
        }
        try (RawClient back = RawClient.accepted(broker.port(), connect5("q-only", false, 60,
                Props.of().sessionExpiry(3600).receiveMaximum(100)))) {
            assertThat(sessionPresent(back.connack())).isTrue();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                expected.add(String.valueOf(i));
            }
            assertThat(drain(back, 400)).containsExactlyElementsOf(expected);
            back.send(unsubscribe5(2, "$share/off/off/t"));
            assertThat(reasonCodes5(back.readUntil(UNSUBACK))).containsExactly(0);
        }
    }

    @Test
    void v5_MQTT_4_8_2_2_malformedSharedFiltersGet0x8F() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "bad-share", true, 0)) {
            c.send(subscribe(3).filter("$share/g+/a", 1).filter("$share/#/a", 1).filter("$share/g/a+", 1)
                    .filter("$share/g/", 1).v5());
            Packet ack = c.readUntil(SUBACK);
            assertThat(Replies.reasonCodes5(ack)).containsExactly(0x8F, 0x8F, 0x8F, 0x8F);
        }
    }
}
