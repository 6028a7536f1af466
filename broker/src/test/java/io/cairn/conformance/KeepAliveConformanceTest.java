package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Keep alive and pingreq() / PINGRESP (checklist sections 2 "Keep alive" and 7), over real sockets. */
class KeepAliveConformanceTest extends OneBrokerPerClass {

    @Test
    void v311_MQTT_3_1_2_24_theBrokerWaits1_5TimesKeepAliveNotJustKeepAlive() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            // keep alive runs from the last packet the broker received: the CONNECT
            long t0 = System.currentTimeMillis();
            c.send(connect311("ka-15x", true, 2));
            assertThat(c.read().u8(1)).isZero();
            // 2 s keep alive: still open (and silent) at 2.4 s, i.e. beyond 1 x keep alive ...
            assertThat(c.silentFor(2400)).as("open beyond 1 x keep alive").isTrue();
            // ... and closed soon after 3 s (1.5 x keep alive)
            assertThat(c.closedWithin(2000)).as("closed after 1.5 x keep alive").isTrue();
            assertThat(System.currentTimeMillis() - t0).isBetween(2900L, 4400L);
        }
    }

    @Test
    void v5_MQTT_3_1_2_22_keepAliveTimeoutSendsDisconnect0x8DThenCloses() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            // keep alive runs from the last packet the broker received: the CONNECT
            long t0 = System.currentTimeMillis();
            c.send(connect5("ka-5", true, 1, Props.none()));
            assertThat(c.read().u8(1)).isZero();
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).as("Keep Alive timeout").isEqualTo(0x8D);
            assertThat(System.currentTimeMillis() - t0).isBetween(1300L, 2800L);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_2_22_keepAliveTimeoutPublishesTheWill() throws Exception {
        try (RawClient watcher = RawClient.connected5(broker.port(), "ka5-will-watch", true, 0)) {
            watcher.subscribe5("ka5/will", 1, 1);
            try (RawClient silent = accepted(broker.port(), connect5Will("ka5-will", true, 1, Props.none(),
                    Props.none(), "ka5/will", "timed out", 1, false))) {
                Packet will = watcher.read();
                assertThat(will.type()).isEqualTo(PUBLISH);
                assertThat(topicOf(will)).isEqualTo("ka5/will");
                assertThat(payload5(will)).isEqualTo("timed out");
                assertThat(silent.closedWithin(2000)).isTrue();
            }
        }
    }

    @Test
    void v311_MQTT_3_12_4_1_everyPingreqIsAnsweredWithAPingresp() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "ping-3", true)) {
            c.send(concat(pingreq(), pingreq(), pingreq())); // three in one write
            for (int i = 0; i < 3; i++) {
                Packet p = c.read();
                assertThat(p.header()).as("PINGRESP 0xD0").isEqualTo(0xD0);
                assertThat(p.body()).isEmpty();
            }
            assertThat(c.silentFor(300)).as("exactly one PINGRESP per pingreq()").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_12_4_1_pingreqIsAnsweredWithAPingresp() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "ping-5", true, 0)) {
            c.send(pingreq());
            Packet p = c.read();
            assertThat(p.header()).isEqualTo(0xD0);
            assertThat(p.body()).isEmpty();
        }
    }

    @Test
    void v5_MQTT_3_1_2_20_pingreqsKeepTheConnectionAlivePastTheTimeout() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("ping-alive-5", true, 1, Props.none()));
            assertThat(c.read().u8(1)).isZero();
            for (int i = 0; i < 4; i++) { // 2.8 s, almost twice the 1.5 s timeout
                Thread.sleep(700);
                c.send(pingreq());
                assertThat(c.read().type()).isEqualTo(PINGRESP);
            }
        }
    }

    @Test
    void v311_MQTT_3_1_2_23_anyPacketNotOnlyPingreqResetsTheKeepAliveTimer() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect311("ka-any", true, 1));
            assertThat(c.read().u8(1)).isZero();
            for (int i = 0; i < 4; i++) { // QoS 0 PUBLISHes only, 2.8 s in all
                Thread.sleep(700);
                c.send(publish311("ka/any", 0, false, false, 0, utf8("tick")));
            }
            c.send(pingreq());
            assertThat(c.read().type()).as("still connected").isEqualTo(PINGRESP);
        }
    }

    @Test
    void v311_S3_1_2_10_brokerMaxKeepaliveLimitsALongerClientKeepAlive() throws Exception {
        try (TestBroker capped = TestBroker.start(m -> m.with(b -> b.maxKeepalive = 1));
             RawClient c = new RawClient(capped.port())) {
            // keep alive runs from the last packet the broker received: the CONNECT
            long t0 = System.currentTimeMillis();
            c.send(connect311("ka-capped", true, 60));
            assertThat(c.read().u8(1)).isZero();
            assertThat(c.closedWithin(4000)).as("1.5 x max_keepalive, not 1.5 x 60 s").isTrue();
            assertThat(System.currentTimeMillis() - t0).isBetween(1300L, 2800L);
        }
    }

    @Test
    void v5_MQTT_3_2_2_21_serverKeepAliveIsAnnouncedAndEnforced() throws Exception {
        try (TestBroker capped = TestBroker.start(m -> m.with(b -> b.maxKeepalive = 1));
             RawClient c = new RawClient(capped.port())) {
            // keep alive runs from the last packet the broker received: the CONNECT
            long t0 = System.currentTimeMillis();
            c.send(connect5("ska-enforced", true, 60, Props.none()));
            Packet ack = c.read();
            assertThat(ack.u8(1)).isZero();
            assertThat(connackProperties(ack)).containsEntry(Props.SERVER_KEEP_ALIVE, 1);
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x8D);
            assertThat(System.currentTimeMillis() - t0).as("1.5 x Server Keep Alive").isBetween(1300L, 2800L);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_2_2_21_keepAlive0IsReplacedByTheServerKeepAliveWhenTheBrokerHasAMaximum() throws Exception {
        try (TestBroker capped = TestBroker.start(m -> m.with(b -> b.maxKeepalive = 30));
             RawClient c = new RawClient(capped.port())) {
            c.send(connect5("ska-zero", true, 0, Props.none()));
            Packet ack = c.read();
            assertThat(ack.u8(1)).isZero();
            Map<Integer, Object> props = connackProperties(ack);
            assertThat(props).containsEntry(Props.SERVER_KEEP_ALIVE, 30);
        }
    }
}
