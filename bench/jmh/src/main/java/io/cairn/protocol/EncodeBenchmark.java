package io.cairn.protocol;

import io.cairn.bench.PublishPackets;
import io.cairn.engine.Outbound;
import io.cairn.state.Delivery;
import io.cairn.state.Message;
import io.cairn.state.MessageProperties;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Outbound PUBLISH: the engine's {@link Outbound.Publish} (QoS 1, packet id 7) turned into a packet
 * by {@link EventEncoder} (package-private, hence this class lives in the broker's package on the
 * class path: no broker code changed), and then into bytes by Netty's {@link MqttEncoder}, as the
 * broker's pipeline does ({@code ChannelOutput} -> {@code MqttEncoder}). The message is the same for
 * both versions; 5.0 sends its properties (Payload Format Indicator, Content Type, one User Property)
 * and one Subscription Identifier, 3.1.1 none of them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EncodeBenchmark {

    @Param({"4", "5"})
    int version;

    @Param({"64", "4096"})
    int payloadSize;

    private Delivery delivery;
    /** Netty's encoder in a channel whose version attribute it reads, writing into the default allocator. */
    private EmbeddedChannel encoder;

    @Setup
    public void setUp() {
        MessageProperties props = new MessageProperties(1, "application/json", null, null,
                List.of(new MessageProperties.UserProperty("trace", "4bf92f3577b34da6")), -1);
        Message m = new Message(1L, PublishPackets.TOPIC, 1, false, PublishPackets.payload(payloadSize), props, 0);
        delivery = new Delivery(m, 1, false, new int[] {3});
        encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
        encoder.attr(MqttPacketDecoder.VERSION_KEY).set(version == 5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1);
    }

    @TearDown
    public void tearDown() {
        encoder.finishAndReleaseAll();
    }

    /** The engine event to Netty's PUBLISH message (properties built, payload wrapped, not copied). */
    @Benchmark
    public Object toPacket() {
        MqttPublishMessage p = (MqttPublishMessage) EventEncoder.encode(
                new Outbound.Publish(delivery, 7, false, 0L), version, MqttProperties.NO_PROPERTIES);
        p.release();
        return p;
    }

    /** The same, then the bytes as Netty's encoder writes them (header and payload into one buffer). */
    @Benchmark
    public int toBytes() {
        Object p = EventEncoder.encode(new Outbound.Publish(delivery, 7, false, 0L), version, MqttProperties.NO_PROPERTIES);
        encoder.writeOutbound(p);
        int n = 0;
        for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
            n += b.readableBytes();
            b.release();
        }
        return n;
    }
}
