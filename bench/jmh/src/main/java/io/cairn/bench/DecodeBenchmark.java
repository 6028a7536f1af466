package io.cairn.bench;

import io.cairn.protocol.MqttPacketDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Inbound PUBLISH decoding: one QoS 1 PUBLISH, already whole in one buffer (the common case of a read
 * that ends on a packet boundary), through {@link MqttPacketDecoder} to a Netty
 * {@link MqttPublishMessage}. The decoder is final and its {@code decode} protected, so it is driven
 * as the broker drives it, as a channel handler, here in an {@link EmbeddedChannel} on the calling
 * thread: the figure includes Netty's ByteToMessageDecoder bookkeeping and the EmbeddedChannel's
 * pipeline and inbound queue (tens of ns), which the real event loop also has in some form.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecodeBenchmark {

    /** 4: MQTT 3.1.1; 5: MQTT 5.0 with four properties. */
    @Param({"4", "5"})
    int version;

    @Param({"64", "4096"})
    int payloadSize;

    private EmbeddedChannel channel;
    /** The PUBLISH in a direct buffer from Netty's allocator, as a socket read would give it. */
    private ByteBuf packet;

    @Setup(Level.Trial)
    public void setUp() {
        channel = new EmbeddedChannel(new MqttPacketDecoder(1 << 20));
        channel.writeInbound(ByteBufAllocator.DEFAULT.directBuffer().writeBytes(PublishPackets.connect(version)));
        Object connect = channel.readInbound(); // the CONNECT sets the decoder's protocol version
        io.netty.util.ReferenceCountUtil.release(connect);
        byte[] bytes = PublishPackets.publish(version, payloadSize);
        packet = ByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
        Object first = decode();
        if (!(first instanceof MqttPublishMessage p) || p.payload().readableBytes() != payloadSize) {
            throw new IllegalStateException("the decoder did not give the PUBLISH back: " + first);
        }
        p.release();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        packet.release();
    }

    private Object decode() {
        // a fresh reader index over the same bytes each time; the decoder releases what it is given
        channel.writeInbound(packet.retainedDuplicate());
        return channel.readInbound();
    }

    @Benchmark
    public void publishQos1(Blackhole bh) {
        MqttPublishMessage p = (MqttPublishMessage) decode();
        bh.consume(p.variableHeader().topicName());
        p.release(); // the payload is a retained slice of the input
    }
}
