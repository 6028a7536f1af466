package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Will messages (checklist section 15): when the broker publishes a will and when not, with which
 * QoS and retain flag, and the 5.0 Will Delay Interval. The watcher is a {@link RawClient}
 * subscribed before the will's connection ends.
 */
class WillConformanceTest extends OneBrokerPerClass {

    /** A 5.0 watcher subscribed to {@code filter} at QoS 2. */
    private static RawClient watcher5(String id, String filter) throws IOException {
        RawClient w = RawClient.connected5(broker.port(), id, true, 0);
        w.subscribe5(filter, 2, 1);
        return w;
    }

    private static RawClient watcher311(String id, String filter) throws IOException {
        RawClient w = RawClient.connected311(broker.port(), id, true);
        w.subscribe311(filter, 2, 1);
        return w;
    }

    // ---------------------------------------------------------------- when the will is published

    @Test
    void v5_MQTT_3_1_2_8_willIsPublishedWhenTheSocketClosesWithoutDisconnect() throws Exception {
        try (RawClient watcher = watcher5("w5-close-watch", "w5/close")) {
            RawClient dying = accepted(broker.port(), connect5Will("w5-close", true, 60, Props.none(), Props.none(),
                    "w5/close", "lost", 1, false));
            dying.close(); // no DISCONNECT
            Packet will = watcher.read();
            assertThat(topicOf(will)).isEqualTo("w5/close");
            assertThat(payload5(will)).isEqualTo("lost");
            assertThat(watcher.silentFor(300)).as("published once").isTrue();
        }
    }

    @Test
    void v311_S3_1_2_5_takeoverPublishesTheDisplacedConnectionsWill() throws Exception {
        try (RawClient watcher = watcher311("w-takeover-watch", "w/takeover");
             RawClient old = accepted(broker.port(), connect311Will("w-takeover", true, 60, "w/takeover",
                     "displaced", 1, false));
             RawClient fresh = RawClient.connected311(broker.port(), "w-takeover", true)) {
            assertThat(old.closedWithin(2000)).as("old connection closed [MQTT-3.1.4-2]").isTrue();
            Packet will = watcher.read();
            assertThat(payload311(will)).isEqualTo("displaced");
            fresh.send(pingreq());
            assertThat(fresh.read().type()).as("the new connection lives on").isEqualTo(PINGRESP);
        }
    }

    @Test
    void v5_MQTT_3_1_2_8_takeoverWithCleanStart1PublishesTheOldConnectionsWill() throws Exception {
        try (RawClient watcher = watcher5("w5-takeover-watch", "w5/takeover");
             RawClient old = accepted(broker.port(), connect5Will("w5-takeover", true, 60, Props.of().sessionExpiry(60), Props.none(),
                     "w5/takeover", "displaced", 1, false));
             RawClient fresh = RawClient.connected5(broker.port(), "w5-takeover", true, 0)) {
            Packet d = old.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).as("Session taken over [MQTT-3.1.4-3]").isEqualTo(0x8E);
            assertThat(old.closedWithin(2000)).isTrue();
            assertThat(payload5(watcher.read())).isEqualTo("displaced");
        }
    }

    @Test
    void v311_MQTT_3_1_2_8_willIsPublishedWithItsQos() throws Exception {
        try (RawClient watcher = watcher311("w-qos-watch", "w/qos/+")) {
            RawClient two = accepted(broker.port(), connect311Will("w-qos2", true, 60, "w/qos/2", "two", 2, false));
            two.close();
            Packet p2 = watcher.read();
            assertThat(payload311(p2)).isEqualTo("two");
            assertThat(qos(p2)).as("will QoS 2 to a QoS 2 subscription").isEqualTo(2);
            watcher.send(pubrec(packetIdOf(p2)));
            watcher.readUntil(PUBREL);
            watcher.send(pubcomp(packetIdOf(p2)));
            RawClient zero = accepted(broker.port(), connect311Will("w-qos0", true, 60, "w/qos/0", "zero", 0, false));
            zero.close();
            Packet p0 = watcher.read();
            assertThat(payload311(p0)).isEqualTo("zero");
            assertThat(qos(p0)).as("will QoS 0 stays 0").isZero();
        }
    }

    // ---------------------------------------------------------------- retain

    @Test
    void v5_MQTT_3_1_2_15_willRetain1IsPublishedAsARetainedMessage() throws Exception {
        try (RawClient watcher = watcher5("w5-ret-watch", "w5/retained")) {
            RawClient dying = accepted(broker.port(), connect5Will("w5-ret", true, 60, Props.none(), Props.none(),
                    "w5/retained", "still here", 1, true));
            dying.close();
            Packet live = watcher.read();
            assertThat(payload5(live)).isEqualTo("still here");
        }
        try (RawClient late = RawClient.connected5(broker.port(), "w5-ret-late", true, 0)) {
            late.subscribe5("w5/retained", 1, 1);
            Packet p = late.read();
            assertThat(payload5(p)).isEqualTo("still here");
            assertThat(retain(p)).as("RETAIN=1 for a retained message sent on subscribe").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_2_14_willRetain0IsNotRetained() throws Exception {
        try (RawClient watcher = watcher5("w5-noret-watch", "w5/notretained")) {
            RawClient dying = accepted(broker.port(), connect5Will("w5-noret", true, 60, Props.none(), Props.none(),
                    "w5/notretained", "fleeting", 1, false));
            dying.close();
            Packet live = watcher.read();
            assertThat(payload5(live)).isEqualTo("fleeting");
            assertThat(retain(live)).isFalse();
        }
        try (RawClient late = RawClient.connected5(broker.port(), "w5-noret-late", true, 0)) {
            late.subscribe5("w5/notretained", 1, 1);
            assertThat(late.silentFor(400)).as("nothing retained").isTrue();
        }
    }

    // ---------------------------------------------------------------- 5.0 Will Delay Interval

    @Test
    void v5_MQTT_3_1_2_8_willWaitsForTheWillDelayInterval() throws Exception {
        try (RawClient watcher = watcher5("w5-delay-watch", "w5/delay")) {
            RawClient dying = accepted(broker.port(), connect5Will("w5-delay", true, 60, Props.of().sessionExpiry(60), Props.of().willDelay(2),
                    "w5/delay", "late", 0, false));
            long t0 = System.currentTimeMillis();
            dying.close();
            assertThat(watcher.silentFor(1500)).as("not before the 2 s delay").isTrue();
            Packet will = watcher.read();
            assertThat(payload5(will)).isEqualTo("late");
            assertThat(System.currentTimeMillis() - t0).isBetween(1900L, 3500L);
        }
    }

    @Test
    void v5_MQTT_3_1_2_8_willIsPublishedWhenTheSessionEndsBeforeTheWillDelay() throws Exception {
        try (RawClient watcher = watcher5("w5-expfirst-watch", "w5/expfirst")) {
            RawClient dying = accepted(broker.port(), connect5Will("w5-expfirst", true, 60, Props.of().sessionExpiry(1), Props.of().willDelay(30),
                    "w5/expfirst", "session over", 0, false));
            long t0 = System.currentTimeMillis();
            dying.close();
            Packet will = watcher.read();
            assertThat(payload5(will)).isEqualTo("session over");
            assertThat(System.currentTimeMillis() - t0).as("at the 1 s session expiry, not the 30 s delay")
                    .isBetween(800L, 2500L);
        }
    }

    @Test
    void v5_MQTT_3_1_3_9_reconnectWithinTheWillDelayCancelsTheWill() throws Exception {
        try (RawClient watcher = watcher5("w5-cancel-watch", "w5/cancel")) {
            RawClient first = accepted(broker.port(), connect5Will("w5-cancel", true, 60, Props.of().sessionExpiry(60), Props.of().willDelay(2),
                    "w5/cancel", "should not appear", 0, false));
            first.close();
            Thread.sleep(300); // well inside the 2 s delay
            try (RawClient again = RawClient.connected5(broker.port(), "w5-cancel", false, 60)) {
                assertThat(again.connack().u8(0)).as("session resumed").isEqualTo(1);
                assertThat(watcher.silentFor(2700)).as("the pending will was cancelled").isTrue();
            }
        }
    }

    @Test
    void v5_MQTT_3_1_2_8_cleanStartWithinTheWillDelayEndsTheSessionAndPublishesTheWill() throws Exception {
        try (RawClient watcher = watcher5("w5-newsess-watch", "w5/newsession")) {
            RawClient first = accepted(broker.port(), connect5Will("w5-newsess", true, 60, Props.of().sessionExpiry(60), Props.of().willDelay(30),
                    "w5/newsession", "old session ended", 0, false));
            first.close();
            Thread.sleep(300);
            try (RawClient again = RawClient.connected5(broker.port(), "w5-newsess", true, 60)) {
                assertThat(again.connack().u8(0)).isZero();
                Packet will = watcher.read(); // now, not after 30 s
                assertThat(payload5(will)).isEqualTo("old session ended");
            }
        }
    }
}
