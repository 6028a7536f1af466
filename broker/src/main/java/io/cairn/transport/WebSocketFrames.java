package io.cairn.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Unwraps binary WebSocket frames into the byte stream the MQTT decoder reads (frames need not align
 * with packets [MQTT-6.0.0-2]) and wraps outbound bytes in binary frames. Any other data frame closes
 * the connection [MQTT-6.0.0-1].
 *
 * <p>Threading: one instance per channel, on its event loop.
 */
final class WebSocketFrames extends ChannelDuplexHandler {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
            ctx.fireChannelRead(((WebSocketFrame) msg).content());
        } else if (msg instanceof WebSocketFrame) {
            ReferenceCountUtil.release(msg);
            ctx.close();
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            ctx.write(new BinaryWebSocketFrame(buf), promise);
        } else {
            ctx.write(msg, promise);
        }
    }
}
