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
 * DISCONNECT from the client (checklist section 8): the will is dropped on a normal disconnect and
 * published on 5.0 reason 0x04, the 5.0 Session Expiry Interval can be changed on DISCONNECT but not
 * raised from 0, and the broker closes the connection.
 */
class DisconnectConformanceTest extends OneBrokerPerClass {

    private static RawClient watcher(String id, String filter) throws IOException {
        RawClient w = RawClient.connected5(broker.port(), id, true, 0);
        w.subscribe5(filter, 1, 1);
        return w;
    }

    @Test
    void v311_MQTT_3_14_4_3_disconnectDiscardsTheWillWithoutPublishingIt() throws Exception {
        try (RawClient watcher = watcher("d-will311-watch", "d/will311")) {
            try (RawClient leaving = accepted(broker.port(), connect311Will("d-will311", true, 60, "d/will311",
                    "must not appear", 1, false))) {
                leaving.send(disconnect());
                assertThat(leaving.closedWithin(2000)).as("the broker closes [§3.14.4]").isTrue();
            }
            assertThat(watcher.silentFor(600)).as("no will after DISCONNECT").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_14_4_3_disconnect0x00DiscardsTheWillWithoutPublishingIt() throws Exception {
        try (RawClient watcher = watcher("d-will5-watch", "d/will5")) {
            try (RawClient leaving = accepted(broker.port(), connect5Will("d-will5", true, 60, Props.none(), Props.none(),
                    "d/will5", "must not appear", 1, false))) {
                leaving.send(disconnect5(0x00, Props.none()));
                assertThat(leaving.closedWithin(2000)).isTrue();
            }
            assertThat(watcher.silentFor(600)).as("no will after DISCONNECT 0x00").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_2_10_disconnect0x00DiscardsADelayedWillOfAKeptSession() throws Exception {
        try (RawClient watcher = watcher("d-delayed-watch", "d/delayed")) {
            try (RawClient leaving = accepted(broker.port(), connect5Will("d-delayed", true, 60, Props.of().sessionExpiry(60),
                    Props.of().willDelay(1), "d/delayed", "must not appear", 1, false))) {
                leaving.send(disconnect5(0x00, Props.none()));
                assertThat(leaving.closedWithin(2000)).isTrue();
            }
            assertThat(watcher.silentFor(1800)).as("the delayed will was removed, not scheduled").isTrue();
        }
    }

    @Test
    void v5_S3_14_2_1_disconnectWithReason0x04PublishesTheWillAndEndsTheConnection() throws Exception {
        try (RawClient watcher = watcher("d-0x04-watch", "d/0x04")) {
            try (RawClient leaving = accepted(broker.port(), connect5Will("d-0x04", true, 60, Props.none(), Props.none(),
                    "d/0x04", "with will", 1, false))) {
                leaving.send(disconnect5(0x04, Props.none()));
                assertThat(leaving.closedWithin(2000)).isTrue();
            }
            Packet will = watcher.read();
            assertThat(topicOf(will)).isEqualTo("d/0x04");
            assertThat(payload5(will)).isEqualTo("with will");
            assertThat(qos(will)).isEqualTo(1);
        }
    }

    @Test
    void v5_S3_14_2_2_2_expiryOnDisconnectAfterZeroIsAProtocolErrorAndTheWillIsPublished() throws Exception {
        try (RawClient watcher = watcher("d-exp0-watch", "d/exp0")) {
            try (RawClient c = accepted(broker.port(), connect5Will("d-exp0", true, 60, Props.none(), Props.none(),
                    "d/exp0", "not a normal disconnect", 0, false))) {
                c.send(disconnect5(0x00, Props.of().sessionExpiry(60)));
                Packet d = c.read();
                assertThat(d.type()).isEqualTo(DISCONNECT);
                assertThat(d.u8(0)).as("Protocol Error").isEqualTo(0x82);
                assertThat(c.closedWithin(2000)).isTrue();
            }
            assertThat(payload5(watcher.read())).as("closed by the broker on an error: the will goes out")
                    .isEqualTo("not a normal disconnect");
        }
        try (RawClient c = RawClient.connected5(broker.port(), "d-exp0", false, 0)) {
            assertThat(c.connack().u8(0)).as("the 60 s expiry was not applied").isZero();
        }
    }

    @Test
    void v5_S3_14_2_2_2_disconnectWithExpiry0EndsASessionThatHadExpiry() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "d-shorten", true, 300)) {
            c.subscribe5("d/shorten", 1, 1);
            c.send(disconnect5(0x00, Props.of().sessionExpiry(0)));
            assertThat(c.closedWithin(2000)).isTrue();
        }
        try (RawClient c = RawClient.connected5(broker.port(), "d-shorten", false, 300)) {
            assertThat(c.connack().u8(0)).as("session ended at the disconnect").isZero();
        }
    }

    @Test
    void v5_S3_14_2_2_2_disconnectCanLengthenANonZeroExpiry() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "d-lengthen", true, 1)) {
            c.subscribe5("d/lengthen", 1, 1);
            c.send(disconnect5(0x00, Props.of().sessionExpiry(300)));
            assertThat(c.closedWithin(2000)).isTrue();
        }
        Thread.sleep(1800); // beyond the 1 s of the CONNECT
        try (RawClient c = RawClient.connected5(broker.port(), "d-lengthen", false, 300)) {
            assertThat(c.connack().u8(0)).as("kept by the 300 s from DISCONNECT").isEqualTo(1);
        }
    }

    @Test
    void v311_MQTT_3_1_2_4_aCleanSession0SessionIsKeptAfterDisconnect() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "d-keep311", false)) {
            c.subscribe311("d/keep311", 1, 1);
            c.send(disconnect());
            assertThat(c.closedWithin(2000)).isTrue();
        }
        try (RawClient c = RawClient.connected311(broker.port(), "d-keep311", false)) {
            assertThat(c.connack().u8(0)).isEqualTo(1);
        }
    }
}
