package io.cairn.bench;

import io.cairn.protocol.MqttPacketDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The wire bytes the benchmarks feed the decoder, made once in setup with Netty's own encoder. */
public final class PublishPackets {

    public static final String TOPIC = "site/7/dev/42/temp";

    private PublishPackets() {
    }

    /** A minimal CONNECT (clean start, keep alive 60, client id "c") of protocol level 4 or 5. */
    public static byte[] connect(int version) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x10);
        b.write(version == 5 ? 14 : 13); // remaining length
        b.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', (byte) version, 0x02, 0, 60});
        if (version == 5) {
            b.write(0); // no CONNECT properties
        }
        b.writeBytes(new byte[] {0, 1, 'c'});
        return b.toByteArray();
    }

    /**
     * A QoS 1 PUBLISH to {@link #TOPIC} with packet id 7 and {@code payloadSize} bytes; in 5.0 it
     * carries a few typical properties: Payload Format Indicator, Message Expiry Interval, Content
     * Type and one User Property.
     */
    public static byte[] publish(int version, int payloadSize) {
        MqttProperties props = MqttProperties.NO_PROPERTIES;
        if (version == 5) {
            props = new MqttProperties();
            props.add(new MqttProperties.IntegerProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(), 1));
            props.add(new MqttProperties.IntegerProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(), 3600));
            props.add(new MqttProperties.StringProperty(MqttPropertyType.CONTENT_TYPE.value(), "application/json"));
            MqttProperties.UserProperties users = new MqttProperties.UserProperties();
            users.add("trace", "4bf92f3577b34da6");
            props.add(users);
        }
        MqttPublishMessage msg = new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new MqttPublishVariableHeader(TOPIC, 7, props),
                Unpooled.wrappedBuffer(payload(payloadSize)));
        EmbeddedChannel ch = new EmbeddedChannel(MqttEncoder.INSTANCE);
        ch.attr(MqttPacketDecoder.VERSION_KEY).set(version == 5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1);
        ch.writeOutbound(msg);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.writeBytes(bytes);
            b.release();
        }
        ch.finishAndReleaseAll();
        return out.toByteArray();
    }

    /** A JSON-ish payload of exactly {@code size} bytes. */
    public static byte[] payload(int size) {
        byte[] p = new byte[size];
        byte[] pattern = "{\"t\":21.5,\"h\":40}".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < size; i++) {
            p[i] = pattern[i % pattern.length];
        }
        return p;
    }
}
