package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the broker sends is well formed (checklist section 1, role S): reserved fixed-header flags,
 * packet identifiers of outgoing PUBLISH, and identifiers echoed in acknowledgements.
 */
class PacketFormatConformanceTest extends OneBrokerPerClass {

    private static RawClient connect(int version, String id) throws IOException {
        return version == 5 ? RawClient.connected5(broker.port(), id, true, 0) : RawClient.connected311(broker.port(), id, true);
    }

    private static byte[] subscribe(int version, int packetId, String filter, int qos) {
        return version == 5 ? subscribe5(packetId, filter, qos) : subscribe311(packetId, filter, qos);
    }

    private static byte[] publish(int version, String topic, int qos, int packetId, String payload) {
        return version == 5 ? publish5(topic, qos, false, packetId, payload) : publish311(topic, qos, false, packetId, payload);
    }

    private static byte[] unsubscribe(int version, int packetId, String filter) {
        return version == 5 ? unsubscribe5(packetId, filter) : unsubscribe311(packetId, filter);
    }

    private static void assertFlags(Packet p, int type, int flags) {
        assertThat(p.type()).as("packet type of %s", p).isEqualTo(type);
        assertThat(p.flags()).as("fixed-header flags of %s", p).isEqualTo(flags);
    }

    /** A QoS 2 flow in both directions, QoS 1, UNSUBSCRIBE and pingreq(): every answer has its tabulated flags. */
    private static void everyPacketHasTheTabulatedFlags(int version) throws IOException {
        String topic = "flags/" + version;
        try (RawClient sub = connect(version, "flags-sub" + version); RawClient pub = connect(version, "flags-pub" + version)) {
            assertFlags(sub.connack(), CONNACK, 0);
            sub.send(subscribe(version, 1, topic, 2));
            assertFlags(sub.read(), SUBACK, 0);

            pub.send(publish(version, topic, 2, 7, "q2"));
            assertFlags(pub.read(), PUBREC, 0);
            pub.send(pubrel(7));
            assertFlags(pub.read(), PUBCOMP, 0);

            Packet delivered = sub.read();
            assertFlags(delivered, PUBLISH, 0b0100); // DUP 0, QoS 2, RETAIN 0
            int id = packetIdOf(delivered);
            sub.send(pubrec(id));
            assertFlags(sub.read(), PUBREL, 0b0010);
            sub.send(pubcomp(id));

            pub.send(publish(version, topic, 1, 8, "q1"));
            assertFlags(pub.read(), PUBACK, 0);
            Packet q1 = sub.read();
            assertFlags(q1, PUBLISH, 0b0010);
            sub.send(puback(packetIdOf(q1)));

            sub.send(unsubscribe(version, 2, topic));
            assertFlags(sub.read(), UNSUBACK, 0);
            sub.send(pingreq());
            assertFlags(sub.read(), PINGRESP, 0);
        }
    }

    @Test
    void v311_MQTT_2_2_2_1_everyPacketTheBrokerSendsHasTheTabulatedFlags() throws IOException {
        everyPacketHasTheTabulatedFlags(4);
    }

    @Test
    void v5_MQTT_2_1_3_1_everyPacketTheBrokerSendsHasTheTabulatedFlags() throws IOException {
        everyPacketHasTheTabulatedFlags(5);
    }

    @Test
    void v311_MQTT_2_3_1_5_qos0PublishCarriesNoPacketIdentifier() throws IOException {
        try (RawClient sub = connect(4, "noid-sub"); RawClient pub = connect(4, "noid-pub")) {
            sub.subscribe311("noid/t", 0, 1);
            pub.send(publish(4, "noid/t", 1, 9, "payload"));
            pub.read();
            Packet p = sub.read();
            assertFlags(p, PUBLISH, 0); // downgraded to QoS 0
            // exactly topic + payload: no packet identifier in between
            assertThat(p.body()).isEqualTo(concat(str("noid/t"), "payload".getBytes()));
        }
    }

    private static void outgoingIdsAreNonZeroAndDistinct(int version) throws IOException {
        String topic = "ids/" + version;
        try (RawClient sub = connect(version, "ids-sub" + version); RawClient pub = connect(version, "ids-pub" + version)) {
            sub.send(subscribe(version, 1, topic, 1));
            sub.readUntil(SUBACK);
            for (int i = 1; i <= 20; i++) {
                pub.send(publish(version, topic, 1, i, "m" + i));
                pub.readUntil(PUBACK);
            }
            // none acknowledged yet: 20 QoS 1 PUBLISH in flight, each with its own non-zero id
            Set<Integer> ids = new HashSet<>();
            for (int i = 1; i <= 20; i++) {
                int id = packetIdOf(sub.readUntil(PUBLISH));
                assertThat(id).isNotZero();
                assertThat(ids.add(id)).as("packet id %d used twice while unacknowledged", id).isTrue();
            }
            for (int id : ids) {
                sub.send(puback(id));
            }
            assertThat(sub.stillOpenAfter(200)).isTrue();
        }
    }

    @Test
    void v311_MQTT_2_3_1_4_outgoingPacketIdsAreNonZeroAndDistinctWhileUnacknowledged() throws IOException {
        outgoingIdsAreNonZeroAndDistinct(4);
    }

    @Test
    void v5_MQTT_2_2_1_4_outgoingPacketIdsAreNonZeroAndDistinctWhileUnacknowledged() throws IOException {
        outgoingIdsAreNonZeroAndDistinct(5);
    }

    @Test
    void v5_MQTT_2_2_1_5_acknowledgementsEchoThePublishPacketIdentifier() throws IOException {
        try (RawClient c = connect(5, "echo5")) {
            c.send(publish(5, "echo/t", 1, 0x1234, "a"));
            Packet ack = c.read();
            assertFlags(ack, PUBACK, 0);
            assertThat(ack.u16(0)).isEqualTo(0x1234);
            c.send(publish(5, "echo/t", 2, 0xBEEF, "b"));
            Packet rec = c.read();
            assertFlags(rec, PUBREC, 0);
            assertThat(rec.u16(0)).isEqualTo(0xBEEF);
            c.send(pubrel(0xBEEF));
            Packet comp = c.read();
            assertFlags(comp, PUBCOMP, 0);
            assertThat(comp.u16(0)).isEqualTo(0xBEEF);
        }
    }

    @Test
    void v5_MQTT_2_2_1_6_subackAndUnsubackEchoThePacketIdentifier() throws IOException {
        try (RawClient c = connect(5, "echo-sub5")) {
            c.send(subscribe5(0x0A0B, "echo/s", 0));
            Packet suback = c.read();
            assertFlags(suback, SUBACK, 0);
            assertThat(suback.u16(0)).isEqualTo(0x0A0B);
            c.send(unsubscribe(5, 0xFFFF, "echo/s"));
            Packet unsuback = c.read();
            assertFlags(unsuback, UNSUBACK, 0);
            assertThat(unsuback.u16(0)).isEqualTo(0xFFFF);
        }
    }
}
