package io.cairn.protocol;

import io.netty.handler.codec.mqtt.MqttDecoder;

/** Placeholder until the strict decoder lands: Netty's decoder with our size limit. */
public final class MqttPacketDecoder extends io.netty.channel.ChannelInboundHandlerAdapter {
    private final MqttDecoder delegate;

    public MqttPacketDecoder(int maxPacketSize) {
        this.delegate = new MqttDecoder(maxPacketSize, 65535);
    }

    @Override
    public void handlerAdded(io.netty.channel.ChannelHandlerContext ctx) {
        ctx.pipeline().replace(this, "decoder", delegate);
    }
}
