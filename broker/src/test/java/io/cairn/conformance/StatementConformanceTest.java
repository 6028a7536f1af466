package io.cairn.conformance;

import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.Replies;
import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.TestBroker;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/** One test per further checklist statement of sections 1-8, 10, 11, 13-15, each on the wire. */
class StatementConformanceTest extends OneBrokerPerClass {

    private static void connectCloses(byte[] connect) throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    // ---------------------------------------------------------------- section 1

    @Test
    void v5_MQTT_1_5_5_1_nonMinimalVariableByteIntegerIsMalformed() throws IOException {
        assertDisconnects5("stmt5", bytes(0xC0, 0x80, 0x00), 0x81); // PINGREQ, remaining length 0 written in two bytes
    }

    @Test
    void v5_MQTT_1_5_7_1_userPropertyWithIllFormedUtf8IsMalformed() throws IOException {
        assertDisconnects5("stmt5", packet(0x30, concat(str("t"), bytes(7, 0x26), u16(1), bytes(0xFF), u16(1), bytes(0x61), "x".getBytes())), 0x81);
    }

    @Test
    void v311_MQTT_2_3_1_7_subackAndUnsubackEchoThePacketIdentifier() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "echo-ids", true)) {
            assertThat(c.subscribe311("echo/t", 0, 0x1234).u16(0)).isEqualTo(0x1234);
            c.send(unsubscribe311(0x4321, "echo/t"));
            Packet u = c.read();
            assertThat(u.type()).isEqualTo(UNSUBACK);
            assertThat(u.u16(0)).isEqualTo(0x4321);
            assertThat(u.body()).as("3.1.1 UNSUBACK has no payload").hasSize(2);
        }
    }

    @Test
    void v5_MQTT_2_2_2_1_packetsWithAPropertiesSectionCarryAPropertyLength() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "prop-len", true, 0)) {
            assertThat(c.connack().u8(2)).as("CONNACK property length present").isPositive();
            c.send(subscribe5(1, "pl/t", 0));
            assertThat(c.read().body()).containsExactly(0, 1, 0, 0);
        }
    }

    @Test
    void v311_MQTT_2_3_1_6_pubrecAndPubcompEchoThePublishPacketIdentifier() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "echo-rec", true)) {
            c.send(publish311("echo/q2", 2, false, false, 0xBEEF, "x".getBytes()));
            assertThat(c.read().u16(0)).isEqualTo(0xBEEF);
            c.send(pubrel(0xBEEF));
            assertThat(c.read().u16(0)).isEqualTo(0xBEEF);
        }
    }

    // ---------------------------------------------------------------- section 2

    @Test
    void v311_MQTT_3_1_2_22_passwordWithoutUserNameClosesTheConnection() throws IOException {
        connectCloses(connect("pw-only").password("secret").v311());
    }

    @Test
    void v311_MQTT_3_1_3_11_userNameThatIsNotUtf8ClosesTheConnection() throws IOException {
        connectCloses(connect("bad-user").user(bytes(0xFF)).v311());
    }

    @Test
    void v311_MQTT_3_1_2_18_userNameFlagWithoutAUserNameFieldClosesTheConnection() throws IOException {
        connectCloses(connect("no-user-field").flags(0x82).v311()); // User Name Flag, no User Name field
    }

    @Test
    void v5_MQTT_3_1_2_16_userNameAndPasswordAreAcceptedWhenPresent() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect("with-creds").user("user").password("pw").v5());
            assertThat(c.read().u8(1)).isZero();
        }
    }

    @Test
    void v311_MQTT_3_1_3_5_clientIdOf23AlphanumericCharactersIsAccepted() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "abcdefghijklmnopqrstuvW", true)) {
            assertThat(c.connack().u8(1)).isZero();
        }
    }

    @Test
    void v311_S3_1_2_10_keepAlive0SwitchesTheTimeoutOff() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect311("ka-zero", true, 0));
            c.read();
            assertThat(c.stillOpenAfter(2500)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_2_2_22_noServerKeepAliveWhenTheClientsValueIsWithinTheMaximum() throws Exception {
        MqttClient c = new MqttClient(broker.uri(), "ska-none", new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setKeepAliveInterval(30);
        IMqttToken t = c.connectWithResult(o);
        assertThat(t.getResponseProperties().getServerKeepAlive()).isNull();
        assertThat(t.getResponseProperties().getResponseInfo()).as("[MQTT-3.1.2-28]").isNull();
        c.disconnect();
        c.close();
    }

    @Test
    void v5_MQTT_3_2_2_9_maximumQosIsAdvertisedWhenBelow2() throws Exception {
        try (TestBroker q1 = TestBroker.start(m -> m.with(b -> b.maxQos = 1))) {
            MqttClient c = new MqttClient(q1.uri(), "maxqos", new MemoryPersistence());
            IMqttToken t = c.connectWithResult(new MqttConnectionOptions());
            assertThat(t.getResponseProperties().getMaximumQoS()).isEqualTo(1);
            c.disconnect();
            c.close();
        }
    }

    @Test
    void v5_MQTT_3_2_2_11_publishAboveTheMaximumQosGetsDisconnect0x9B() throws Exception {
        try (TestBroker q1 = TestBroker.start(m -> m.with(b -> b.maxQos = 1));
             RawClient c = RawClient.connected5(q1.port(), "above-max", true, 0)) {
            c.send(publish5("t", 2, false, 1, "x"));
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x9B);
        }
    }

    @Test
    void v5_MQTT_3_2_2_12_willQosAboveTheMaximumGetsConnack0x9B() throws Exception {
        try (TestBroker q1 = TestBroker.start(m -> m.with(b -> b.maxQos = 1));
             RawClient c = new RawClient(q1.port())) {
            c.send(connect("will-q2").will("w/t", "bye", 2, false).v5());
            assertThat(c.read().u8(1)).isEqualTo(0x9B);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_S3_1_2_11_4_maximumPacketSize0ClosesTheConnection() throws IOException {
        connectCloses(connect5("mps0", true, 60, Props.of().maximumPacketSize(0)));
    }

    @Test
    void v5_S3_1_2_11_6_requestResponseInformationOtherThan0Or1ClosesTheConnection() throws IOException {
        connectCloses(connect5("rri2", true, 60, Props.of().requestResponseInfo(2)));
    }

    @Test
    void v5_S3_1_2_11_10_authenticationDataWithoutMethodClosesTheConnection() throws IOException {
        connectCloses(connect5("adata", true, 60, Props.of().authData(bytes(7))));
    }

    @Test
    void v311_MQTT_3_1_4_5_dataAfterARejectedConnectIsNotActedOn() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(concat(connect311("", false, 60), publish311("rejected/t", 0, true, false, 0, "ghost".getBytes())));
            assertThat(c.read().u8(1)).isEqualTo(0x02); // [MQTT-3.2.2-5]: then close
            assertThat(c.closedWithin(2000)).isTrue();
        }
        try (RawClient late = RawClient.connected311(broker.port(), "rejected-check", true)) {
            late.subscribe311("rejected/t", 0, 1);
            assertThat(late.stillOpenAfter(300)).as("the retained PUBLISH was not acted on").isTrue();
        }
    }

    @Test
    void v311_MQTT_3_2_0_1_theFirstPacketTheBrokerSendsIsConnack() throws IOException {
        try (RawClient sub = RawClient.connected311(broker.port(), "first-sub", false)) {
            sub.subscribe311("first/t", 1, 1);
        }
        try (RawClient pub = RawClient.connected311(broker.port(), "first-pub", true)) {
            pub.send(publish311("first/t", 1, false, false, 1, "queued".getBytes()));
            pub.read();
        }
        try (RawClient sub = new RawClient(broker.port())) {
            sub.send(connect311("first-sub", false, 60));
            assertThat(sub.read().type()).isEqualTo(CONNACK);
            assertThat(sub.read().type()).isEqualTo(PUBLISH);
        }
    }

    @Test
    void v5_MQTT_3_2_2_1_onlyTheSessionPresentBitOfTheConnackFlagsIsUsed() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "flags5", false, 60)) {
            assertThat(c.connack().u8(0) & 0xFE).isZero();
        }
        try (RawClient c = RawClient.connected5(broker.port(), "flags5", false, 60)) {
            assertThat(c.connack().u8(0)).isEqualTo(1);
        }
    }

    @Test
    void v311_MQTT_3_2_2_4_aRefusingConnackHasSessionPresent0() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "refuse-sp", false)) {
            c.subscribe311("r/t", 0, 1);
        }
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect31("refuse-sp-but-this-id-is-far-too-long", false, 60));
            Packet ack = c.read();
            assertThat(ack.u8(1)).isEqualTo(0x02);
            assertThat(ack.u8(0)).isZero();
        }
    }

    @Test
    void v311_MQTT_3_1_3_2_theClientIdKeysTheSessionState() throws IOException {
        try (RawClient a = RawClient.connected311(broker.port(), "keyed-a", false)) {
            a.subscribe311("keyed/t", 1, 1);
        }
        try (RawClient b = RawClient.connected311(broker.port(), "keyed-b", false)) {
            assertThat(b.connack().u8(0)).as("another client id has no session").isZero();
        }
        try (RawClient a = RawClient.connected311(broker.port(), "keyed-a", false)) {
            assertThat(a.connack().u8(0)).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------- sections 3, 4

    @Test
    void v5_MQTT_3_3_2_14_responseTopicWithAWildcardIsAProtocolError() throws IOException {
        assertDisconnects5("stmt5", publish5("t", 0, false, 0, Props.of().responseTopic("r/#"), "x"), 0x82);
    }

    @Test
    void v5_MQTT_3_3_2_13_responseTopicWithIllFormedUtf8IsMalformed() throws IOException {
        assertDisconnects5("stmt5", packet(0x30, concat(str("t"), bytes(4, 0x08), u16(1), bytes(0xFF), "x".getBytes())), 0x81);
    }

    @Test
    void v5_MQTT_3_3_2_19_contentTypeWithIllFormedUtf8IsMalformed() throws IOException {
        assertDisconnects5("stmt5", packet(0x30, concat(str("t"), bytes(4, 0x03), u16(1), bytes(0xC3), "x".getBytes())), 0x81);
    }

    @Test
    void v5_MQTT_3_3_2_7_topicAliasesDoNotOutliveTheirConnection() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "alias-conn", true, 0)) {
            c.send(publish5("alias/x", 0, false, 0, Props.of().topicAlias(2), "a"));
        }
        assertDisconnects5("stmt5", publish5("", 0, false, 0, Props.of().topicAlias(2), "b"), 0x82);
    }

    @Test
    void v5_MQTT_3_1_2_27_theBrokerSendsNoTopicAliasesAndTheFullTopicName() throws IOException {
        try (RawClient sub = RawClient.connected5(broker.port(), "noalias-sub", true, 0);
             RawClient pub = RawClient.connected5(broker.port(), "noalias-pub", true, 0)) {
            sub.send(subscribe5(1, "na/t", 0));
            sub.readUntil(SUBACK);
            pub.send(publish5("na/t", 0, false, 0, Props.of().topicAlias(1), "1"));
            pub.send(publish5("", 0, false, 0, Props.of().topicAlias(1), "2"));
            for (int i = 0; i < 2; i++) {
                Packet p = sub.read();
                assertThat(topicOf(p)).isEqualTo("na/t");
                assertThat(p.u8(2 + 4)).as("property length: no Topic Alias [MQTT-3.3.2-8]").isZero();
            }
        }
    }

    @Test
    void v311_MQTT_4_3_1_1_qos0DeliveryIsAPublishWithQos0AndDup0() throws IOException {
        try (RawClient sub = RawClient.connected311(broker.port(), "q0d-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "q0d-pub", true)) {
            sub.subscribe311("q0d/t", 2, 1);
            pub.send(publish311("q0d/t", 0, false, false, 0, "z".getBytes()));
            assertThat(sub.read().flags()).isZero();
        }
    }

    @Test
    void v5_MQTT_4_3_2_3_unacknowledgedQos1StaysUntilPubackAndDup0OnFirstSend() throws IOException {
        try (RawClient sub = RawClient.connected5(broker.port(), "q1keep", false, 300);
             RawClient pub = RawClient.connected311(broker.port(), "q1keep-pub", true)) {
            sub.send(subscribe5(1, "q1keep/t", 1));
            sub.readUntil(SUBACK);
            pub.send(publish311("q1keep/t", 1, false, false, 1, "k".getBytes()));
            Packet p = sub.read();
            assertThat(p.flags() & 0x08).as("[MQTT-4.3.2-2]").isZero();
        }
        try (RawClient sub = RawClient.connected5(broker.port(), "q1keep", false, 300)) {
            Packet again = sub.read();
            assertThat(payload5(again)).isEqualTo("k");
            sub.send(puback(packetIdOf(again)));
        }
        try (RawClient sub = RawClient.connected5(broker.port(), "q1keep", false, 300)) {
            assertThat(sub.stillOpenAfter(300)).as("acknowledged: gone").isTrue();
        }
    }

    @Test
    void v5_MQTT_4_3_3_6_afterPubrelThePublishIsNeverSentAgain() throws IOException {
        int id;
        try (RawClient sub = RawClient.connected5(broker.port(), "q2rel", false, 300);
             RawClient pub = RawClient.connected311(broker.port(), "q2rel-pub", true)) {
            sub.send(subscribe5(1, "q2rel/t", 2));
            sub.readUntil(SUBACK);
            pub.send(publish311("q2rel/t", 2, false, false, 1, "r".getBytes()));
            Packet p = sub.read();
            id = packetIdOf(p);
            sub.send(pubrec(id));
            Packet rel = sub.read();
            assertThat(rel.type()).isEqualTo(PUBREL); // [MQTT-4.3.3-4]
            assertThat(rel.u16(0)).isEqualTo(id);
        }
        try (RawClient sub = RawClient.connected5(broker.port(), "q2rel", false, 300)) {
            Packet p = sub.read();
            assertThat(p.type()).as("PUBREL again, not the PUBLISH [MQTT-4.3.3-5]").isEqualTo(PUBREL);
            sub.send(pubcomp(id));
            assertThat(sub.stillOpenAfter(300)).isTrue();
        }
    }

    @Test
    void v5_MQTT_4_4_0_2_aNegativePubackEndsTheDelivery() throws IOException {
        try (RawClient sub = RawClient.connected5(broker.port(), "negack", false, 300);
             RawClient pub = RawClient.connected311(broker.port(), "negack-pub", true)) {
            sub.send(subscribe5(1, "neg/t", 1));
            sub.readUntil(SUBACK);
            pub.send(publish311("neg/t", 1, false, false, 1, "n".getBytes()));
            int id = packetIdOf(sub.read());
            sub.send(puback(id, 0x80));
        }
        try (RawClient sub = RawClient.connected5(broker.port(), "negack", false, 300)) {
            assertThat(sub.stillOpenAfter(300)).as("not re-sent").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_3_4_9_neverMoreInFlightThanTheClientsReceiveMaximum() throws IOException {
        try (RawClient sub = new RawClient(broker.port());
             RawClient pub = RawClient.connected311(broker.port(), "rm-pub", true)) {
            sub.send(connect5("rm-sub", true, 60, Props.of().receiveMaximum(2)));
            sub.read();
            sub.send(subscribe5(1, "rm/t", 1));
            sub.readUntil(SUBACK);
            for (int i = 0; i < 4; i++) {
                pub.send(publish311("rm/t", 1, false, false, i + 1, ("m" + i).getBytes()));
            }
            Packet a = sub.read();
            Packet b = sub.read();
            assertThat(sub.stillOpenAfter(400)).as("two in flight").isTrue();
            sub.send(puback(packetIdOf(a)));
            assertThat(payload5(sub.read())).isEqualTo("m2");
            assertThat(payload5(b)).isEqualTo("m1");
        }
    }

    @Test
    void v5_MQTT_3_1_2_25_aMessageLargerThanTheClientsMaximumIsDroppedAndTheNextDelivered() throws IOException {
        try (RawClient sub = new RawClient(broker.port());
             RawClient pub = RawClient.connected311(broker.port(), "mps-pub", true)) {
            sub.send(connect5("mps-sub", true, 60, Props.of().maximumPacketSize(100)));
            sub.read();
            sub.send(subscribe5(1, "mps/t", 1));
            sub.readUntil(SUBACK);
            pub.send(publish311("mps/t", 1, false, false, 1, new byte[200]));
            pub.send(publish311("mps/t", 1, false, false, 2, "small".getBytes()));
            Packet p = sub.read();
            assertThat(payload5(p)).isEqualTo("small"); // [MQTT-3.1.2-24]
        }
    }

    // ---------------------------------------------------------------- sections 8, 10, 11, 14, 15

    @Test
    void v5_MQTT_3_14_2_2_aServerDisconnectCarriesNoSessionExpiryInterval() throws IOException {
        try (RawClient old = RawClient.connected5(broker.port(), "disc-props", true, 0);
             RawClient fresh = RawClient.connected5(broker.port(), "disc-props", true, 0)) {
            Packet d = old.read();
            assertThat(Replies.disconnectReason(d)).isEqualTo(0x8E);
            assertThat(Replies.disconnectProperties(d)).as("no Session Expiry Interval from the server [MQTT-3.14.2-2]")
                    .doesNotContainKey(0x11);
        }
    }

    @Test
    void v311_MQTT_4_7_3_1_anEmptyTopicFilterIsRefused() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "empty-filter", true)) {
            c.send(subscribe311(1, "", 0));
            assertThat(c.read().u8(2)).isEqualTo(0x80);
        }
    }

    @Test
    void v311_MQTT_4_7_1_2_hashMustBeLastAndAWholeLevel() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "hash-rules", true)) {
            c.send(subscribe(1).filter("a#", 0).filter("a/#/b", 0).filter("a/#", 0).filter("#", 0).v311());
            assertThat(c.read().body()).containsExactly(0, 1, 0x80, 0x80, 0, 0);
        }
    }

    @Test
    void v311_MQTT_4_7_1_3_plusMustFillAWholeLevel() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "plus-rules", true)) {
            c.send(subscribe(1).filter("a+", 0).filter("+/+", 0).filter("a/+/b/#", 0).v311());
            assertThat(c.read().body()).containsExactly(0, 1, 0x80, 0, 0);
        }
    }

    @Test
    void v5_MQTT_3_1_2_23_sessionStateOutlivesTheConnectionWithExpiryAboveZero() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "outlive", true, 60)) {
            c.send(subscribe5(1, "outlive/t", 1));
            c.read();
        }
        try (RawClient pub = RawClient.connected311(broker.port(), "outlive-pub", true)) {
            pub.send(publish311("outlive/t", 1, false, false, 1, "held".getBytes()));
            pub.read();
        }
        try (RawClient c = RawClient.connected5(broker.port(), "outlive", false, 60)) {
            assertThat(payload5(c.read())).isEqualTo("held");
        }
    }

    @Test
    void v311_MQTT_3_1_2_7_retainedMessagesSurviveTheEndOfTheSessionThatSentThem() throws IOException {
        try (RawClient pub = RawClient.connected311(broker.port(), "ret-owner", false)) {
            pub.send(publish311("owned/t", 1, true, false, 1, "mine".getBytes()));
            pub.read();
        }
        try (RawClient end = RawClient.connected311(broker.port(), "ret-owner", true)) {
            end.send(disconnect());
        }
        try (RawClient c = RawClient.connected311(broker.port(), "ret-reader", true)) {
            c.subscribe311("owned/t", 1, 1);
            assertThat(payload311(c.read())).isEqualTo("mine");
        }
    }

    @Test
    void v5_MQTT_3_3_1_9_retainHandling0SendsRetainedMessagesOnEverySubscribe() throws IOException {
        try (RawClient pub = RawClient.connected311(broker.port(), "rh0-pub", true)) {
            pub.send(publish311("rh0/t", 1, true, false, 1, "r0".getBytes()));
            pub.read();
        }
        try (RawClient c = RawClient.connected5(broker.port(), "rh0", true, 0)) {
            for (int i = 1; i <= 2; i++) {
                c.send(subscribe5(i, "rh0/t", 0));
                c.readUntil(SUBACK);
                Packet p = c.read();
                assertThat(payload5(p)).isEqualTo("r0");
                assertThat(p.flags() & 1).isEqualTo(1);
            }
        }
    }

    @Test
    void v311_MQTT_3_1_2_12_noWillIsPublishedWithoutTheWillFlag() throws IOException {
        try (RawClient watcher = RawClient.connected311(broker.port(), "nowill-watch", true)) {
            watcher.subscribe311("nowill/#", 0, 1); // its own topics: '#' would get other tests' retained messages
            RawClient c = RawClient.connected311(broker.port(), "nowill", true);
            c.close();
            assertThat(watcher.stillOpenAfter(500)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_11_willQosWithoutTheWillFlagIsMalformed() throws IOException {
        connectCloses(connect("willqos-noflag").flags(0x02 | 0x08).v311()); // Will QoS 1 without the Will Flag
    }

    @Test
    void v311_MQTT_3_1_2_14_willQos3IsMalformed() throws IOException {
        connectCloses(connect("willqos3").will("w/t", "x", 3, false).v311());
    }

    @Test
    void v311_MQTT_3_1_3_10_willTopicThatIsNotUtf8IsRefused() throws IOException {
        connectCloses(packet(0x10, concat(str("MQTT"), bytes(4, 0x02 | 0x04), u16(60), str("willutf"),
                u16(1), bytes(0xFF), str("x"))));
    }

    @Test
    void v311_MQTT_3_1_2_10_aPublishedWillIsRemovedFromTheSession() throws IOException {
        try (RawClient watcher = RawClient.connected311(broker.port(), "will-once-watch", true)) {
            watcher.subscribe311("willonce/t", 0, 1);
            RawClient c = new RawClient(broker.port());
            c.send(connect("will-once").clean(false).will("willonce/t", "bye", 0, false).v311());
            c.read();
            c.close();
            assertThat(payload311(watcher.read())).isEqualTo("bye");
            RawClient again = RawClient.connected311(broker.port(), "will-once", false);
            again.close();
            assertThat(watcher.stillOpenAfter(500)).as("the will went with the first publication").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_3_10_willUserPropertiesKeepTheirOrder() throws IOException {
        try (RawClient watcher = RawClient.connected5(broker.port(), "wup-watch", true, 0)) {
            watcher.send(subscribe5(1, "wup/t", 0));
            watcher.readUntil(SUBACK);
            Props willProps = Props.of().userProperty("b", "2").userProperty("a", "1");
            RawClient c = new RawClient(broker.port());
            c.send(connect("wup").will("wup/t", "w", 0, false).willProps(willProps).v5());
            c.read();
            c.close();
            assertThat(publishPropertyBytes(watcher.read())).containsExactly(willProps.bytes());
        }
    }
}
