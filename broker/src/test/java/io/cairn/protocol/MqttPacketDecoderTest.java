package io.cairn.protocol;

import io.cairn.protocol.PropertyDecoder.Where;
import io.cairn.test.Props;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribePayload;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribePayload;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MqttPacketDecoder} on its own: bytes in through an {@link EmbeddedChannel}, Netty messages
 * (or {@link MalformedPacket} / {@link UnsupportedProtocolVersion}) out. Valid packets of every type
 * in 3.1, 3.1.1 and 5.0 are compared field by field with what the decoder produced before the
 * property table was introduced; every 5.0 property is tried valid, repeated, out of range and in a
 * packet that may not carry it.
 *
 * <p>Threading: JUnit's thread only (an {@link EmbeddedChannel} runs its handlers on the caller).
 */
class MqttPacketDecoderTest {

    private static final int MAX = 4096;

    private EmbeddedChannel channel = new EmbeddedChannel(new MqttPacketDecoder(MAX));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    // ---------------------------------------------------------------- valid packets decode as before

    /** The 3.x packets a client sends, after a CONNECT of the given protocol name and level. */
    private static byte[][] v3Session(String name, int level) {
        byte[] connect = connect("c").keepAlive(30).will("will/t", bytes(1, 2), 1, true).user("user")
                .password(bytes(3, 4)).protocol(name, level).v311();
        return new byte[][] {
            connect,
            publish311("t/0", 0, false, false, 0, bytes(0x61)),
            publish311("t/1", 1, true, false, 7, bytes(0x62, 0x63)),
            publish311("t/2", 2, false, true, 8, new byte[0]),
            puback(7),
            pubrec(8),
            pubrel(8),
            pubcomp(8),
            subscribe(9).filter("a/+", 1).filter("b/#", 2).v311(),
            unsubscribe311(10, "a/+", "b/#"),
            pingreq(),
            disconnect(),
        };
    }

    @Test
    void v31_everyClientPacketDecodesAsBefore() {
        assertDecodedAsBefore(DECODED_V31, feed(v3Session("MQIsdp", 3)));
    }

    @Test
    void v311_everyClientPacketDecodesAsBefore() {
        assertDecodedAsBefore(DECODED_V311, feed(v3Session("MQTT", 4)));
    }

    @Test
    void v5_everyClientPacketDecodesAsBefore() {
        Props connectProps = Props.of().sessionExpiry(60).receiveMaximum(10).maximumPacketSize(1000)
                .topicAliasMaximum(5).requestResponseInfo(1).requestProblemInfo(0)
                .userProperty("a", "1").userProperty("a", "2");
        Props willProps = Props.of().willDelay(5).payloadFormat(1).messageExpiry(100).contentType("text")
                .responseTopic("r/t").correlationData(bytes(1, 2)).userProperty("k", "v");
        byte[] connect = connect("c").keepAlive(30).props(connectProps).will("will/t", bytes(1, 2), 1, true)
                .willProps(willProps).user("user").password(bytes(3, 4)).v5();
        Props publishProps = Props.of().payloadFormat(0).messageExpiry(0xFFFFFFFFL).topicAlias(3).responseTopic("r")
                .correlationData(new byte[0]).userProperty("x", "").subscriptionId(200).userProperty("x", "y")
                .subscriptionId(1).contentType("c");
        Props ackProps = Props.of().reasonString("why").userProperty("u", "v");
        Props subscribeProps = Props.of().subscriptionId(300).userProperty("s", "t");
        Props disconnectProps = Props.of().sessionExpiry(0).reasonString("bye").serverReference("elsewhere")
                .userProperty("d", "e");
        Props authProps = Props.of().authMethod("m").authData(bytes(9)).reasonString("r").userProperty("a", "b");
        assertDecodedAsBefore(DECODED_V5, feed(
                connect,
                publish5("t/0", 0, false, false, 0, Props.none(), bytes(0x61)),
                publish5("t/1", 1, true, true, 7, publishProps, bytes(0x62)),
                publish5("", 2, false, false, 8, Props.of().topicAlias(3), new byte[0]),
                puback(7),
                puback(7, 0x10),
                puback(7, 0x80, ackProps),
                pubrec(8, 0x00, Props.none()),
                pubrel(8, 0x92, ackProps),
                pubcomp(8),
                subscribe(9).props(subscribeProps).filter("a/+", 0x2D).filter("b/#", 0x12).v5(),
                subscribe5(11, "c", 0),
                unsubscribe5(10, Props.of().userProperty("u", "1"), "a/+", "b/#"),
                pingreq(),
                disconnect(),
                disconnect5(0x04),
                disconnect5(0x00, disconnectProps),
                auth(),
                auth(0x18, authProps),
                CONNECT5));
    }

    @Test
    void v5_connectWithAuthenticationDecodesAsBefore() {
        Props connectProps = Props.of().authMethod("SCRAM").authData(bytes(7, 8));
        assertDecodedAsBefore(DECODED_V5_AUTH, feed(connect("").clean(false).keepAlive(0).props(connectProps).v5()));
    }

    private static void assertDecodedAsBefore(String before, List<String> out) {
        assertThat(out).containsExactlyElementsOf(before.lines().toList());
    }

    // What the decoder produced for these packets before the property table (commit bf23f98), one output a line.
    private static final String DECODED_V31 = """
            MqttConnectMessage{CONNECT dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttConnectVariableHeader MQIsdp 3 user=true password=true willRetain=true willQos=1 will=true clean=true keepAlive=30 NO_PROPERTIES | client=c willProps=NO_PROPERTIES willTopic=will/t will=[1, 2] user=user password=[3, 4]}
            MqttPublishMessage{PUBLISH dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttPublishVariableHeader t/0 id=0 NO_PROPERTIES | bytes=61}
            MqttPublishMessage{PUBLISH dup=false qos=AT_LEAST_ONCE retain=true rl=0 | MqttPublishVariableHeader t/1 id=7 NO_PROPERTIES | bytes=6263}
            MqttPublishMessage{PUBLISH dup=true qos=EXACTLY_ONCE retain=false rl=0 | MqttPublishVariableHeader t/2 id=8 NO_PROPERTIES | bytes=}
            MqttMessage{PUBACK dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttPubReplyMessageVariableHeader id=7 reason=0 NO_PROPERTIES | -}
            MqttMessage{PUBREC dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttPubReplyMessageVariableHeader id=8 reason=0 NO_PROPERTIES | -}
            MqttMessage{PUBREL dup=false qos=AT_LEAST_ONCE retain=false rl=0 | MqttPubReplyMessageVariableHeader id=8 reason=0 NO_PROPERTIES | -}
            MqttMessage{PUBCOMP dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttPubReplyMessageVariableHeader id=8 reason=0 NO_PROPERTIES | -}
            MqttSubscribeMessage{SUBSCRIBE dup=false qos=AT_LEAST_ONCE retain=false rl=0 | MqttMessageIdAndPropertiesVariableHeader id=9 NO_PROPERTIES | a/+(AT_LEAST_ONCE noLocal=false rap=false rh=SEND_AT_SUBSCRIBE),b/#(EXACTLY_ONCE noLocal=false rap=false rh=SEND_AT_SUBSCRIBE)}
            MqttUnsubscribeMessage{UNSUBSCRIBE dup=false qos=AT_LEAST_ONCE retain=false rl=0 | MqttMessageIdAndPropertiesVariableHeader id=10 NO_PROPERTIES | unsubscribe=[a/+, b/#]}
            MqttMessage{PINGREQ dup=false qos=AT_MOST_ONCE retain=false rl=0 | - | -}
            MqttMessage{DISCONNECT dup=false qos=AT_MOST_ONCE retain=false rl=0 | - | -}
            """;

    // 3.1.1 decodes as 3.1 does, but for the protocol name and level of CONNECT
    private static final String DECODED_V311 = DECODED_V31.replace("MQIsdp 3", "MQTT 4");

    private static final String DECODED_V5 = """
            MqttConnectMessage{CONNECT dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttConnectVariableHeader MQTT 5 user=true password=true willRetain=true willQos=1 will=true clean=true keepAlive=30 [0x11=60,0x21=10,0x22=5,0x27=1000,0x17=0,0x19=1,0x26=a:1;a:2] | client=c willProps=[0x1=1,0x2=100,0x3=text,0x18=5,0x8=r/t,0x9=[1, 2],0x26=k:v] willTopic=will/t will=[1, 2] user=user password=[3, 4]}
            MqttPublishMessage{PUBLISH dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttPublishVariableHeader t/0 id=0 [] | bytes=61}
            MqttPublishMessage{PUBLISH dup=true qos=AT_LEAST_ONCE retain=true rl=0 | MqttPublishVariableHeader t/1 id=7 [0x1=0,0x2=-1,0x23=3,0x3=c,0x8=r,0x9=[],0xb=200,0xb=1,0x26=x:;x:y] | bytes=62}
            MqttPublishMessage{PUBLISH dup=false qos=EXACTLY_ONCE retain=false rl=0 | MqttPublishVariableHeader  id=8 [0x23=3] | bytes=}
            MqttMessage{PUBACK dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttPubReplyMessageVariableHeader id=7 reason=0 NO_PROPERTIES | -}
            MqttMessage{PUBACK dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttPubReplyMessageVariableHeader id=7 reason=16 NO_PROPERTIES | -}
            MqttMessage{PUBACK dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttPubReplyMessageVariableHeader id=7 reason=-128 [0x1f=why,0x26=u:v] | -}
            MqttMessage{PUBREC dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttPubReplyMessageVariableHeader id=8 reason=0 [] | -}
            MqttMessage{PUBREL dup=false qos=AT_LEAST_ONCE retain=false rl=0 | MqttPubReplyMessageVariableHeader id=8 reason=-110 [0x1f=why,0x26=u:v] | -}
            MqttMessage{PUBCOMP dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttPubReplyMessageVariableHeader id=8 reason=0 NO_PROPERTIES | -}
            MqttSubscribeMessage{SUBSCRIBE dup=false qos=AT_LEAST_ONCE retain=false rl=0 | MqttMessageIdAndPropertiesVariableHeader id=9 [0xb=300,0x26=s:t] | a/+(AT_LEAST_ONCE noLocal=true rap=true rh=DONT_SEND_AT_SUBSCRIBE),b/#(EXACTLY_ONCE noLocal=false rap=false rh=SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS)}
            MqttSubscribeMessage{SUBSCRIBE dup=false qos=AT_LEAST_ONCE retain=false rl=0 | MqttMessageIdAndPropertiesVariableHeader id=11 [] | c(AT_MOST_ONCE noLocal=false rap=false rh=SEND_AT_SUBSCRIBE)}
            MqttUnsubscribeMessage{UNSUBSCRIBE dup=false qos=AT_LEAST_ONCE retain=false rl=0 | MqttMessageIdAndPropertiesVariableHeader id=10 [0x26=u:1] | unsubscribe=[a/+, b/#]}
            MqttMessage{PINGREQ dup=false qos=AT_MOST_ONCE retain=false rl=0 | - | -}
            MqttMessage{DISCONNECT dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttReasonCodeAndPropertiesVariableHeader reason=0 NO_PROPERTIES | -}
            MqttMessage{DISCONNECT dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttReasonCodeAndPropertiesVariableHeader reason=4 NO_PROPERTIES | -}
            MqttMessage{DISCONNECT dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttReasonCodeAndPropertiesVariableHeader reason=0 [0x11=0,0x1c=elsewhere,0x1f=bye,0x26=d:e] | -}
            MqttMessage{AUTH dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttReasonCodeAndPropertiesVariableHeader reason=0 NO_PROPERTIES | -}
            MqttMessage{AUTH dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttReasonCodeAndPropertiesVariableHeader reason=24 [0x15=m,0x16=[9],0x1f=r,0x26=a:b] | -}
            MqttMessage{CONNECT dup=false qos=AT_MOST_ONCE retain=false rl=0 | - | -}
            """;

    private static final String DECODED_V5_AUTH = """
            MqttConnectMessage{CONNECT dup=false qos=AT_MOST_ONCE retain=false rl=0 | MqttConnectVariableHeader MQTT 5 user=false password=false willRetain=false willQos=0 will=false clean=false keepAlive=0 [0x15=SCRAM,0x16=[7, 8]] | client= willProps=NO_PROPERTIES willTopic=null will=null user=null password=null}
            """;

    // ---------------------------------------------------------------- 5.0 properties, one row of the table at a time

    /** A property a client may send: a valid value and what it decodes to; a value out of range, if any, and its code. */
    private record Case(MqttPropertyType type, byte[] valid, Object decoded, byte[] outOfRange, int code) {
        Case(MqttPropertyType type, byte[] valid, Object decoded) {
            this(type, valid, decoded, null, 0);
        }
    }

    private static final List<Case> CLIENT_PROPERTIES = List.of(
            new Case(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR, bytes(1), 1, bytes(2), ReasonCodes.MALFORMED_PACKET),
            new Case(MqttPropertyType.REQUEST_PROBLEM_INFORMATION, bytes(0), 0, bytes(2), ReasonCodes.PROTOCOL_ERROR),
            new Case(MqttPropertyType.REQUEST_RESPONSE_INFORMATION, bytes(1), 1, bytes(0xFF), ReasonCodes.PROTOCOL_ERROR),
            new Case(MqttPropertyType.RECEIVE_MAXIMUM, u16(65535), 65535, u16(0), ReasonCodes.PROTOCOL_ERROR),
            new Case(MqttPropertyType.MAXIMUM_PACKET_SIZE, u32(0xFFFFFFFF), -1, u32(0), ReasonCodes.PROTOCOL_ERROR),
            new Case(MqttPropertyType.SUBSCRIPTION_IDENTIFIER, varInt(268_435_455), 268_435_455, bytes(0), ReasonCodes.PROTOCOL_ERROR),
            new Case(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL, u32(100), 100),
            new Case(MqttPropertyType.CONTENT_TYPE, str("text/plain"), "text/plain"),
            new Case(MqttPropertyType.RESPONSE_TOPIC, str("r/t"), "r/t"),
            new Case(MqttPropertyType.CORRELATION_DATA, bin(bytes(1, 2, 3)), "[1, 2, 3]"),
            new Case(MqttPropertyType.WILL_DELAY_INTERVAL, u32(7), 7),
            new Case(MqttPropertyType.SESSION_EXPIRY_INTERVAL, u32(3600), 3600),
            new Case(MqttPropertyType.TOPIC_ALIAS_MAXIMUM, u16(10), 10),
            new Case(MqttPropertyType.TOPIC_ALIAS, u16(1), 1),
            new Case(MqttPropertyType.AUTHENTICATION_METHOD, str("m"), "m"),
            new Case(MqttPropertyType.AUTHENTICATION_DATA, bin(bytes(5)), "[5]"),
            new Case(MqttPropertyType.SERVER_REFERENCE, str("other"), "other"),
            new Case(MqttPropertyType.REASON_STRING, str("why"), "why"),
            new Case(MqttPropertyType.USER_PROPERTY, pair("k", "v"), "k:v"));

    /** Properties only a server sends: a well-formed value for each. */
    private static final List<Case> SERVER_PROPERTIES = List.of(
            new Case(MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER, str("x"), null),
            new Case(MqttPropertyType.SERVER_KEEP_ALIVE, u16(1), null),
            new Case(MqttPropertyType.RESPONSE_INFORMATION, str("x"), null),
            new Case(MqttPropertyType.MAXIMUM_QOS, bytes(1), null),
            new Case(MqttPropertyType.RETAIN_AVAILABLE, bytes(1), null),
            new Case(MqttPropertyType.WILDCARD_SUBSCRIPTION_AVAILABLE, bytes(1), null),
            new Case(MqttPropertyType.SUBSCRIPTION_IDENTIFIER_AVAILABLE, bytes(1), null),
            new Case(MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE, bytes(1), null));

    /** The packets (after a 5.0 CONNECT unless it is the CONNECT) that carry {@code properties} in {@code where}. */
    private static byte[][] carrying(Where where, byte[] properties) {
        Props p = Props.of().raw(properties); // any bytes: the decoder is to judge them
        return switch (where) {
            case CONNECT -> new byte[][] {connect("c").keepAlive(30).props(p).v5()};
            case WILL -> new byte[][] {connect("c").keepAlive(30).will("w", new byte[0], 0, false).willProps(p).v5()};
            case PUBLISH -> after(publish5("t", 1, false, false, 1, p, bytes(0x61)));
            case PUBACK -> after(puback(1, 0x00, p));
            case PUBREC -> after(pubrec(1, 0x00, p));
            case PUBREL -> after(pubrel(1, 0x00, p));
            case PUBCOMP -> after(pubcomp(1, 0x00, p));
            case SUBSCRIBE -> after(subscribe5(1, "t", 0, p));
            case UNSUBSCRIBE -> after(unsubscribe5(1, p, "t"));
            case DISCONNECT -> after(disconnect5(0x00, p));
            case AUTH -> after(auth(0x18, p));
        };
    }

    private static byte[][] after(byte[] packet) {
        return new byte[][] {CONNECT5, packet};
    }

    /** A fresh decoder's last output for {@code properties} in {@code where}. */
    private static Object decodeIn(Where where, byte[] properties) {
        EmbeddedChannel ch = new EmbeddedChannel(new MqttPacketDecoder(MAX));
        try {
            Object last = null;
            for (byte[] w : carrying(where, properties)) {
                ch.writeInbound(Unpooled.wrappedBuffer(w));
                Object m;
                while ((m = ch.readInbound()) != null) {
                    ReferenceCountUtil.release(last);
                    last = m;
                }
            }
            return last;
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /** The properties decoded in {@code where}; fails if the packet was refused. */
    private static MqttProperties decodedProperties(Where where, byte[] properties) {
        Object o = decodeIn(where, properties);
        assertThat(o).as("%s in %s", describe(o), where).isInstanceOf(MqttMessage.class);
        ReferenceCountUtil.release(o);
        MqttMessage m = (MqttMessage) o;
        return switch (where) {
            case CONNECT -> ((MqttConnectVariableHeader) m.variableHeader()).properties();
            case WILL -> ((MqttConnectPayload) m.payload()).willProperties();
            case PUBLISH -> ((MqttPublishVariableHeader) m.variableHeader()).properties();
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> ((MqttPubReplyMessageVariableHeader) m.variableHeader()).properties();
            case SUBSCRIBE, UNSUBSCRIBE -> ((MqttMessageIdAndPropertiesVariableHeader) m.variableHeader()).properties();
            case DISCONNECT, AUTH -> ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).properties();
        };
    }

    /** The reason code the decoder refuses {@code properties} in {@code where} with; fails if it accepted them. */
    private static int refusal(Where where, byte[] properties) {
        Object o = decodeIn(where, properties);
        ReferenceCountUtil.release(o);
        assertThat(o).as("%s in %s", describe(o), where).isInstanceOf(MalformedPacket.class);
        return ((MalformedPacket) o).reasonCode();
    }

    /** Authentication Data needs its Method in a CONNECT (§3.1.2.11.10); everything else stands alone. */
    private static byte[] with(Case c, Where where, byte[]... values) {
        byte[][] all = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            all[i] = prop(c.type(), values[i]);
        }
        byte[] method = c.type() == MqttPropertyType.AUTHENTICATION_DATA && where == Where.CONNECT
                ? prop(MqttPropertyType.AUTHENTICATION_METHOD, str("m")) : new byte[0];
        return concat(method, concat(all));
    }

    private static Set<Where> allowed(Case c) {
        return PropertyDecoder.rule(c.type()).allowedIn();
    }

    @Test
    void v5_S2_2_2_2_theTableHasARowForEveryPropertyAndTheTestsCoverEach() {
        Set<MqttPropertyType> tested = EnumSet.noneOf(MqttPropertyType.class);
        CLIENT_PROPERTIES.forEach(c -> tested.add(c.type()));
        SERVER_PROPERTIES.forEach(c -> tested.add(c.type()));
        assertThat(tested).containsExactlyInAnyOrder(MqttPropertyType.values());
        for (MqttPropertyType t : MqttPropertyType.values()) {
            assertThat(PropertyDecoder.rule(t)).as("row of %s", t).isNotNull();
        }
    }

    @Test
    void v5_S2_2_2_2_everyPropertyDecodesInEveryPacketThatMayCarryIt() {
        for (Case c : CLIENT_PROPERTIES) {
            assertThat(allowed(c)).as("%s allowed somewhere", c.type()).isNotEmpty();
            for (Where where : allowed(c)) {
                MqttProperties got = decodedProperties(where, with(c, where, c.valid()));
                MqttProperties.MqttProperty<?> p = got.getProperty(c.type().value());
                assertThat(p).as("%s in %s", c.type(), where).isNotNull();
                assertThat(property(p)).as("%s in %s", c.type(), where)
                        .isEqualTo(hex(c.type().value()) + "=" + c.decoded());
            }
        }
    }

    @Test
    void v5_S2_2_2_2_aPropertyInAPacketThatMayNotCarryItIsMalformed() {
        for (Case c : CLIENT_PROPERTIES) {
            for (Where where : EnumSet.complementOf(EnumSet.copyOf(allowed(c)))) {
                assertThat(refusal(where, with(c, where, c.valid()))).as("%s in %s", c.type(), where)
                        .isEqualTo(ReasonCodes.MALFORMED_PACKET);
            }
        }
    }

    @Test
    void v5_S2_2_2_2_aPropertyOnlyServersSendIsMalformedInEveryClientPacket() {
        for (Case c : SERVER_PROPERTIES) {
            assertThat(allowed(c)).as("%s", c.type()).isEmpty();
            for (Where where : Where.values()) {
                assertThat(refusal(where, with(c, where, c.valid()))).as("%s in %s", c.type(), where)
                        .isEqualTo(ReasonCodes.MALFORMED_PACKET);
            }
        }
    }

    @Test
    void v5_S2_2_2_2_anUnknownPropertyIdentifierIsMalformed() {
        for (byte[] id : List.of(bytes(0x00), bytes(0x04), bytes(0x2B), bytes(0x7F), varInt(0x80 + 0x01), varInt(0x4000))) {
            for (Where where : Where.values()) {
                assertThat(refusal(where, concat(id, bytes(0)))).as("identifier %s in %s", Arrays.toString(id), where)
                        .isEqualTo(ReasonCodes.MALFORMED_PACKET);
            }
        }
    }

    @Test
    void v5_S2_2_2_2_aPropertyMoreThanOnceIsAProtocolErrorExceptUserPropertyAndSubscriptionIdentifierInPublish() {
        for (Case c : CLIENT_PROPERTIES) {
            for (Where where : allowed(c)) {
                byte[] twice = with(c, where, c.valid(), c.valid());
                if (PropertyDecoder.rule(c.type()).repeatsIn().contains(where)) {
                    assertThat(decodedProperties(where, twice).getProperties(c.type().value())).as("%s in %s", c.type(), where)
                            .hasSize(2);
                } else {
                    assertThat(refusal(where, twice)).as("%s twice in %s", c.type(), where).isEqualTo(ReasonCodes.PROTOCOL_ERROR);
                }
            }
        }
        assertThat(PropertyDecoder.rule(MqttPropertyType.USER_PROPERTY).repeatsIn()).containsExactlyInAnyOrder(Where.values());
        assertThat(PropertyDecoder.rule(MqttPropertyType.SUBSCRIPTION_IDENTIFIER).repeatsIn()).containsExactly(Where.PUBLISH);
    }

    @Test
    void v5_S2_2_2_2_aValueOutOfItsRangeIsRefusedWithTheCodeOfItsRow() {
        for (Case c : CLIENT_PROPERTIES) {
            if (c.outOfRange() == null) {
                assertThat(PropertyDecoder.rule(c.type()).min()).as("%s has no lower bound", c.type()).isZero();
                continue;
            }
            for (Where where : allowed(c)) {
                assertThat(refusal(where, with(c, where, c.outOfRange()))).as("%s out of range in %s", c.type(), where)
                        .isEqualTo(c.code());
            }
        }
    }

    @Test
    void v5_S3_3_2_3_2_payloadFormatIndicatorOtherThan0Or1InPublishIsMalformed() {
        for (int value : new int[] {2, 0x80, 0xFF}) {
            assertThat(refusal(Where.PUBLISH, prop(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR, bytes(value))))
                    .as("value %d", value).isEqualTo(ReasonCodes.MALFORMED_PACKET);
        }
        assertThat(decodedProperties(Where.PUBLISH, prop(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR, bytes(0)))
                .getProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value()).value()).isEqualTo(0);
    }

    @Test
    void v5_S3_1_3_2_3_willPayloadFormatIndicatorOtherThan0Or1IsMalformedInConnect() {
        byte[] connect = carrying(Where.WILL, prop(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR, bytes(2)))[0];
        assertThat(last(connect)).isEqualTo(malformedInConnect(ReasonCodes.MALFORMED_PACKET));
    }

    @Test
    void v5_S3_1_2_11_7_requestProblemInformationOtherThan0Or1IsAProtocolError() {
        assertThat(decodedProperties(Where.CONNECT, prop(MqttPropertyType.REQUEST_PROBLEM_INFORMATION, bytes(1)))
                .getProperty(MqttPropertyType.REQUEST_PROBLEM_INFORMATION.value()).value()).isEqualTo(1);
        assertThat(refusal(Where.CONNECT, prop(MqttPropertyType.REQUEST_PROBLEM_INFORMATION, bytes(2))))
                .isEqualTo(ReasonCodes.PROTOCOL_ERROR);
    }

    @Test
    void v5_S3_1_2_11_6_requestResponseInformationOtherThan0Or1IsAProtocolError() {
        assertThat(decodedProperties(Where.CONNECT, prop(MqttPropertyType.REQUEST_RESPONSE_INFORMATION, bytes(0)))
                .getProperty(MqttPropertyType.REQUEST_RESPONSE_INFORMATION.value()).value()).isEqualTo(0);
        assertThat(refusal(Where.CONNECT, prop(MqttPropertyType.REQUEST_RESPONSE_INFORMATION, bytes(2))))
                .isEqualTo(ReasonCodes.PROTOCOL_ERROR);
    }

    @Test
    void v5_S3_1_2_11_3_receiveMaximum0IsAProtocolErrorAnd1IsAccepted() {
        assertThat(refusal(Where.CONNECT, prop(MqttPropertyType.RECEIVE_MAXIMUM, u16(0)))).isEqualTo(ReasonCodes.PROTOCOL_ERROR);
        assertThat(decodedProperties(Where.CONNECT, prop(MqttPropertyType.RECEIVE_MAXIMUM, u16(1)))
                .getProperty(MqttPropertyType.RECEIVE_MAXIMUM.value()).value()).isEqualTo(1);
    }

    @Test
    void v5_S3_1_2_11_4_maximumPacketSize0IsAProtocolErrorAnd1IsAccepted() {
        assertThat(refusal(Where.CONNECT, prop(MqttPropertyType.MAXIMUM_PACKET_SIZE, u32(0)))).isEqualTo(ReasonCodes.PROTOCOL_ERROR);
        assertThat(decodedProperties(Where.CONNECT, prop(MqttPropertyType.MAXIMUM_PACKET_SIZE, u32(1)))
                .getProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE.value()).value()).isEqualTo(1);
    }

    @Test
    void v5_S3_8_2_1_2_subscriptionIdentifier0OrTwiceInSubscribeIsAProtocolError() {
        byte[] zero = prop(MqttPropertyType.SUBSCRIPTION_IDENTIFIER, varInt(0));
        byte[] one = prop(MqttPropertyType.SUBSCRIPTION_IDENTIFIER, varInt(1));
        assertThat(refusal(Where.SUBSCRIBE, zero)).isEqualTo(ReasonCodes.PROTOCOL_ERROR);
        assertThat(refusal(Where.SUBSCRIBE, concat(one, one))).isEqualTo(ReasonCodes.PROTOCOL_ERROR);
        assertThat(decodedProperties(Where.SUBSCRIBE, one).getProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value()).value())
                .isEqualTo(1);
    }

    @Test
    void v5_MQTT_1_5_5_1_aSubscriptionIdentifierNotMinimallyEncodedIsMalformed() {
        assertThat(refusal(Where.SUBSCRIBE, prop(MqttPropertyType.SUBSCRIPTION_IDENTIFIER, bytes(0x81, 0x00))))
                .isEqualTo(ReasonCodes.MALFORMED_PACKET);
        assertThat(refusal(Where.SUBSCRIBE, concat(bytes(0x8B, 0x00), varInt(1)))).as("identifier 0x0B in two bytes")
                .isEqualTo(ReasonCodes.MALFORMED_PACKET);
    }

    @Test
    void v5_MQTT_1_5_7_1_aUserPropertyWithIllFormedUtf8IsMalformed() {
        assertThat(refusal(Where.PUBLISH, prop(MqttPropertyType.USER_PROPERTY, concat(str("k"), bin(bytes(0xC0, 0x80))))))
                .isEqualTo(ReasonCodes.MALFORMED_PACKET);
        assertThat(refusal(Where.PUBLISH, prop(MqttPropertyType.USER_PROPERTY, concat(bin(bytes(0)), str("v")))))
                .isEqualTo(ReasonCodes.MALFORMED_PACKET);
    }

    @Test
    void v5_S2_2_2_2_aPropertyValueRunningPastThePropertyLengthIsMalformed() {
        for (Case c : CLIENT_PROPERTIES) {
            Where where = allowed(c).iterator().next();
            byte[] whole = with(c, where, c.valid());
            byte[] cut = Arrays.copyOf(whole, whole.length - 1);
            assertThat(refusal(where, cut)).as("%s cut short in %s", c.type(), where).isEqualTo(ReasonCodes.MALFORMED_PACKET);
        }
    }

    @Test
    void v5_S3_1_2_11_10_authenticationDataWithoutAuthenticationMethodIsAProtocolError() {
        assertThat(refusal(Where.CONNECT, prop(MqttPropertyType.AUTHENTICATION_DATA, bin(bytes(1)))))
                .isEqualTo(ReasonCodes.PROTOCOL_ERROR);
    }

    // ---------------------------------------------------------------- review findings

    private static final int[] PUBLISH_ACKS = {0x40, 0x50, 0x62, 0x70}; // PUBACK, PUBREC, PUBREL, PUBCOMP

    private void acksWithPacketId0AreMalformed(byte[] connect, byte[] tail) {
        for (int header : PUBLISH_ACKS) {
            channel.finishAndReleaseAll();
            channel = new EmbeddedChannel(new MqttPacketDecoder(MAX));
            assertThat(feed(connect)).hasSize(1);
            assertThat(last(packet(header, concat(u16(0), tail)))).as("header %x", header)
                    .isEqualTo(malformed(ReasonCodes.MALFORMED_PACKET));
        }
    }

    @Test
    void v31_S2_3_1_pubackPubrecPubrelPubcompWithPacketId0AreMalformed() {
        acksWithPacketId0AreMalformed(connect31("c", true, 30), new byte[0]);
    }

    @Test
    void v311_MQTT_2_3_1_6_pubackPubrecPubrelPubcompWithPacketId0AreMalformed() {
        acksWithPacketId0AreMalformed(connect311("c", true, 30), new byte[0]);
    }

    @Test
    void v5_MQTT_2_2_1_5_pubackPubrecPubrelPubcompWithPacketId0AreMalformed() {
        acksWithPacketId0AreMalformed(CONNECT5, new byte[0]);
        acksWithPacketId0AreMalformed(CONNECT5, concat(bytes(0), props()));
    }

    @Test
    void v5_MQTT_4_13_1_1_anErrorFoundInsideTheConnectIsReportedAsInConnect() {
        Props twice = Props.of().receiveMaximum(1).receiveMaximum(1);
        assertThat(last(connect5("c", true, 30, twice))).isEqualTo(malformedInConnect(ReasonCodes.PROTOCOL_ERROR));
    }

    @Test
    void v5_MQTT_4_13_1_1_aConnectWithBytesAfterItsFieldsIsReportedAsInConnect() {
        byte[] connect = packet(0x10, concat(str("MQTT"), bytes(5, 0x02), u16(30), props(), str("c"), bytes(0)));
        assertThat(last(connect)).isEqualTo(malformedInConnect(ReasonCodes.MALFORMED_PACKET));
    }

    @Test
    void v5_MQTT_3_1_2_11_willQosWithoutWillFlagIsReportedAsInConnect() {
        byte[] connect = connect("c").keepAlive(30).flags(0x0A).v5(); // Will QoS 1 without the Will Flag
        assertThat(last(connect)).isEqualTo(malformedInConnect(ReasonCodes.MALFORMED_PACKET));
    }

    @Test
    void v311_MQTT_3_1_2_3_reservedConnectFlagIsReportedAsInConnect() {
        byte[] connect = connect("c").keepAlive(30).flags(0x03).v311(); // reserved flag bit 0 set
        assertThat(last(connect)).isEqualTo(malformedInConnect(ReasonCodes.MALFORMED_PACKET));
    }

    @Test
    void v311_S4_8_aConnectCutShortIsReportedAsInConnect() {
        byte[] connect = packet(0x10, concat(str("MQTT"), bytes(4, 0x02), u16(30), u16(5), bytes(0x63)));
        assertThat(last(connect)).isEqualTo(malformedInConnect(ReasonCodes.MALFORMED_PACKET));
    }

    @Test
    void v31_S3_1_passwordWithoutUserNameIsReportedAsInConnect() {
        byte[] connect = connect("c").keepAlive(30).password(bytes(1)).v31();
        assertThat(last(connect)).isEqualTo(malformedInConnect(ReasonCodes.MALFORMED_PACKET));
    }

    @Test
    void v311_MQTT_3_1_0_1_aFirstPacketThatIsNotConnectIsReportedAsInConnect() {
        assertThat(last(pingreq())).isEqualTo(malformedInConnect(ReasonCodes.PROTOCOL_ERROR));
    }

    @Test
    void v5_MQTT_4_13_1_1_anErrorAfterTheConnectIsNotInConnect() {
        assertThat(feed(CONNECT5)).hasSize(1);
        assertThat(last(packet(0x36, concat(str("a"), u16(1), props())))).isEqualTo(malformed(ReasonCodes.MALFORMED_PACKET));
    }

    @Test
    void v5_MQTT_3_1_0_2_aMalformedSecondConnectIsNotInConnect() {
        assertThat(feed(CONNECT5)).hasSize(1);
        assertThat(last(packet(0x11, new byte[0]))).isEqualTo(malformed(ReasonCodes.MALFORMED_PACKET));
    }

    @Test
    void v5_S2_1_4_aRemainingLengthErrorInTheFirstPacketIsInConnectAndLaterNot() {
        assertThat(last(bytes(0x10, 0x80, 0x80, 0x80, 0x80, 0x01))).isEqualTo(malformedInConnect(ReasonCodes.MALFORMED_PACKET));
        channel.finishAndReleaseAll();
        channel = new EmbeddedChannel(new MqttPacketDecoder(MAX));
        assertThat(feed(CONNECT5)).hasSize(1);
        assertThat(last(bytes(0xC0, 0x80, 0x00))).as("[MQTT-1.5.5-1]").isEqualTo(malformed(ReasonCodes.MALFORMED_PACKET));
    }

    private void inputAfterAnUnsupportedLevelIsDiscarded(String name, int level) {
        byte[] connect = connect("c").keepAlive(30).protocol(name, level).v311();
        assertThat(feed(concat(connect, pingreq(), CONNECT5)))
                .containsExactly(new UnsupportedProtocolVersion(name, level).toString());
        assertThat(feed(CONNECT5, pingreq(), bytes(0x00, 0x00))).as("later input").isEmpty();
    }

    @Test
    void v311_MQTT_3_1_2_2_inputAfterAnUnsupportedProtocolLevelIsDiscarded() {
        inputAfterAnUnsupportedLevelIsDiscarded("MQTT", 6);
    }

    @Test
    void v5_MQTT_3_1_2_2_inputAfterAnUnsupportedProtocolVersionIsDiscarded() {
        inputAfterAnUnsupportedLevelIsDiscarded("MQTT", 3);
    }

    @Test
    void v31_S3_1_inputAfterMQIsdpWithAnotherLevelThan3IsDiscarded() {
        inputAfterAnUnsupportedLevelIsDiscarded("MQIsdp", 4);
    }

    @Test
    void v311_S4_8_inputAfterAMalformedPacketIsDiscarded() {
        assertThat(feed(connect311("c", true, 30))).hasSize(1);
        assertThat(feed(concat(packet(0xC1, new byte[0]), pingreq())))
                .containsExactly(malformed(ReasonCodes.MALFORMED_PACKET));
        assertThat(feed(pingreq())).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    /** Feeds each array as one write and returns everything the decoder emitted, described. */
    private List<String> feed(byte[]... writes) {
        List<String> out = new ArrayList<>();
        for (byte[] w : writes) {
            channel.writeInbound(Unpooled.wrappedBuffer(w));
            Object m;
            while ((m = channel.readInbound()) != null) {
                out.add(describe(m));
                ReferenceCountUtil.release(m);
            }
        }
        return out;
    }

    /** Feeds the writes and returns the one object the last of them produced. */
    private String last(byte[]... writes) {
        List<String> out = feed(writes);
        assertThat(out).as("output").isNotEmpty();
        return out.get(out.size() - 1);
    }

    private static String malformed(int code) {
        return "Malformed[" + hex(code) + ",inConnect=false]";
    }

    private static String malformedInConnect(int code) {
        return "Malformed[" + hex(code) + ",inConnect=true]";
    }

    private static String hex(int code) {
        return "0x" + Integer.toHexString(code);
    }

    static byte[] prop(MqttPropertyType type, byte[] value) {
        return concat(varInt(type.value()), value);
    }

    static byte[] props(byte[]... properties) {
        byte[] body = concat(properties);
        return concat(varInt(body.length), body);
    }

    static byte[] pair(String k, String v) {
        return concat(str(k), str(v));
    }

    static final byte[] CONNECT5 = connect5("c", true, 30);

    /** A description of a decoder output that names every field the Netty message carries. */
    static String describe(Object o) {
        if (o instanceof MalformedPacket m) {
            return "Malformed[" + hex(m.reasonCode()) + ",inConnect=" + m.inConnect() + "]";
        }
        if (o instanceof UnsupportedProtocolVersion u) {
            return u.toString();
        }
        MqttMessage m = (MqttMessage) o;
        MqttFixedHeader f = m.fixedHeader();
        return m.getClass().getSimpleName() + "{" + f.messageType() + " dup=" + f.isDup() + " qos=" + f.qosLevel()
                + " retain=" + f.isRetain() + " rl=" + f.remainingLength() + " | " + variable(m.variableHeader())
                + " | " + payload(m.payload()) + "}";
    }

    private static String variable(Object v) {
        if (v == null) {
            return "-";
        }
        String name = v.getClass().getSimpleName() + " ";
        if (v instanceof MqttConnectVariableHeader h) {
            return name + h.name() + " " + h.version() + " user=" + h.hasUserName() + " password=" + h.hasPassword()
                    + " willRetain=" + h.isWillRetain() + " willQos=" + h.willQos() + " will=" + h.isWillFlag()
                    + " clean=" + h.isCleanSession() + " keepAlive=" + h.keepAliveTimeSeconds() + " " + props(h.properties());
        }
        if (v instanceof MqttPublishVariableHeader h) {
            return name + h.topicName() + " id=" + h.packetId() + " " + props(h.properties());
        }
        if (v instanceof MqttPubReplyMessageVariableHeader h) {
            return name + "id=" + h.messageId() + " reason=" + h.reasonCode() + " " + props(h.properties());
        }
        if (v instanceof MqttMessageIdAndPropertiesVariableHeader h) {
            return name + "id=" + h.messageId() + " " + props(h.properties());
        }
        if (v instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
            return name + "reason=" + h.reasonCode() + " " + props(h.properties());
        }
        throw new AssertionError("unexpected variable header " + v);
    }

    private static String payload(Object p) {
        if (p == null) {
            return "-";
        }
        if (p instanceof MqttConnectPayload c) {
            return "client=" + c.clientIdentifier() + " willProps=" + props(c.willProperties()) + " willTopic="
                    + c.willTopic() + " will=" + Arrays.toString(c.willMessageInBytes()) + " user=" + c.userName()
                    + " password=" + Arrays.toString(c.passwordInBytes());
        }
        if (p instanceof ByteBuf b) {
            return "bytes=" + ByteBufUtil.hexDump(b);
        }
        if (p instanceof MqttSubscribePayload s) {
            return s.topicSubscriptions().stream().map(MqttPacketDecoderTest::subscription).collect(Collectors.joining(","));
        }
        if (p instanceof MqttUnsubscribePayload u) {
            return "unsubscribe=" + u.topics();
        }
        throw new AssertionError("unexpected payload " + p);
    }

    private static String subscription(MqttTopicSubscription t) {
        MqttSubscriptionOption o = t.option();
        return t.topicFilter() + "(" + o.qos() + " noLocal=" + o.isNoLocal() + " rap=" + o.isRetainAsPublished()
                + " rh=" + o.retainHandling() + ")";
    }

    /** Properties in Netty's listing order, with user properties and binary values spelled out. */
    static String props(MqttProperties p) {
        if (p == MqttProperties.NO_PROPERTIES) {
            return "NO_PROPERTIES";
        }
        return "[" + p.listAll().stream().map(MqttPacketDecoderTest::property).collect(Collectors.joining(",")) + "]";
    }

    private static String property(MqttProperties.MqttProperty<?> p) {
        Object v = p.value();
        String value;
        if (v instanceof byte[] b) {
            value = Arrays.toString(b);
        } else if (v instanceof List<?> pairs) {
            value = pairs.stream().map(x -> ((MqttProperties.StringPair) x).key + ":" + ((MqttProperties.StringPair) x).value)
                    .collect(Collectors.joining(";"));
        } else {
            value = String.valueOf(v);
        }
        return hex(p.propertyId()) + "=" + value;
    }
}
