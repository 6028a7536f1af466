package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** pingreq() / PINGRESP (checklist section 7). */
class PingConformanceTest extends OneBrokerPerClass {

    /** The exact bytes of the answer: PINGRESP, flags 0000, Remaining Length 0. */
    private static void assertPingrespBytes(RawClient c) throws IOException {
        Packet p = c.read();
        assertThat(p.header()).as("PINGRESP first byte").isEqualTo(0xD0);
        assertThat(p.body()).as("PINGRESP Remaining Length 0").isEmpty();
    }

    @Test
    void v311_MQTT_3_12_4_1_pingreqIsAnsweredWithPingrespD000() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "ping311", true)) {
            c.send(pingreq());
            assertPingrespBytes(c);
        }
    }

    @Test
    void v5_MQTT_3_12_4_1_pingreqIsAnsweredWithPingrespD000() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "ping5", true, 0)) {
            c.send(pingreq());
            assertPingrespBytes(c);
        }
    }

    @Test
    void v31_pingreqIsAnsweredWithPingrespD000() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect31("ping31", true, 60));
            assertThat(c.read().type()).isEqualTo(CONNACK);
            c.send(pingreq());
            assertPingrespBytes(c);
        }
    }

    @Test
    void v311_MQTT_3_12_4_1_everyPingreqGetsItsOwnPingrespEvenInOneSegment() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "ping-many", true)) {
            c.send(concat(pingreq(), pingreq(), pingreq()));
            for (int i = 0; i < 3; i++) {
                assertPingrespBytes(c);
            }
            assertThat(c.stillOpenAfter(200)).as("no extra packets, still open").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_12_4_1_pingrespIsExactlyTwoBytesOnTheWire() throws IOException {
        // read the raw stream, not a parsed packet: nothing but D0 00 may follow the PINGREQ
        try (Socket s = new Socket("127.0.0.1", broker.port())) {
            s.setSoTimeout(3000);
            s.getOutputStream().write(connect5("ping-raw", true, 60, Props.none()));
            InputStream in = s.getInputStream();
            int connackLength = in.readNBytes(2)[1];
            in.readNBytes(connackLength);
            s.getOutputStream().write(pingreq());
            assertThat(in.readNBytes(2)).containsExactly(0xD0, 0x00);
            s.setSoTimeout(300);
            assertThatThrownBy(in::read).isInstanceOf(java.net.SocketTimeoutException.class);
        }
    }

    @Test
    void v311_S3_12_pingreqWithARemainingLengthIsMalformed() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "ping-body", true)) {
            c.send(0xC0, 0x01, 0x00);
            assertThatThrownBy(c::read).isInstanceOfAny(EOFException.class, SocketException.class);
        }
    }

    @Test
    void v5_S3_12_pingreqWithARemainingLengthIsMalformed() throws IOException {
        assertDisconnects5("ping-body5", bytes(0xC0, 0x01, 0x00), 0x81);
    }

    @Test
    void v311_S3_12_pingreqBeforeConnectClosesWithoutPingresp() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(pingreq());
            assertThatThrownBy(c::read).isInstanceOfAny(EOFException.class, SocketException.class);
        }
    }

    @Test
    void v311_MQTT_3_1_2_23_pingreqAloneKeepsAConnectionWithKeepAlive1Open() throws Exception {
        // Keep Alive 1 s: without traffic the broker closes after 1.5 s [MQTT-3.1.2-24]; PINGREQs reset the timer
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect311("ping-ka", true, 1));
            assertThat(c.read().u8(1)).isZero();
            for (int i = 0; i < 6; i++) {
                Thread.sleep(500);
                c.send(pingreq());
                assertPingrespBytes(c);
            }
            // and the timeout does apply once the pings stop
            assertThat(c.closedWithin(3000)).as("closed after 1.5 x Keep Alive without packets").isTrue();
        }
    }
}
