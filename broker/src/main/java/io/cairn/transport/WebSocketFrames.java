package io.cairn.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unwraps binary WebSocket frames into the byte stream the MQTT decoder reads (frames need not align
 * with packets [MQTT-6.0.0-2]: the decoder accumulates a packet split across frames and reads every
 * packet of a frame that holds several) and wraps outbound bytes in binary frames. Any other data
 * frame closes the connection [MQTT-6.0.0-1], and so does a frame the WebSocket decoder refuses (too
 * large, malformed), each with one log line.
 *
 * <p>Threading: one instance per channel, on its event loop.
 */
final class WebSocketFrames extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(WebSocketFrames.class);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
            ctx.fireChannelRead(((WebSocketFrame) msg).content());
        } else if (msg instanceof WebSocketFrame) {
            ReferenceCountUtil.release(msg);
            log.info("closing the WebSocket connection from {}: a {} (MQTT travels in binary frames)",
                    ctx.channel().remoteAddress(), msg.getClass().getSimpleName());
            ctx.close();
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException) {
            log.info("closing the WebSocket connection from {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
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
