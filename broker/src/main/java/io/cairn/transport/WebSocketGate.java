package io.cairn.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Checks the HTTP request of a ws or wss connection before Netty's WebSocket handshake sees it:
 * it must be a WebSocket upgrade (GET with {@code Upgrade: websocket}) of the configured path, offer
 * {@code mqtt} or {@code mqttv3.1} if it offers subprotocols at all, and come from an allowed origin
 * when {@code allowed_origins} is set. Anything else is answered with an HTTP error (404, 400, 403),
 * one log line, and a closed connection; nothing else is served on these ports.
 *
 * <p>A request without an Origin header passes {@code allowed_origins}: only browsers send one, and
 * the check exists to stop other sites' pages from using a visitor's browser; any other client could
 * send whatever origin it liked. A request without a subprotocol header passes too (some WebSocket
 * tools send none); the broker then answers with no subprotocol.
 *
 * <p>Threading: one instance per channel, on its event loop; leaves the pipeline after the first request.
 */
final class WebSocketGate extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(WebSocketGate.class);
    static final List<String> SUBPROTOCOLS = List.of("mqtt", "mqttv3.1");

    private final String type;
    private final String path;
    private final List<String> allowedOrigins;

    /** {@code allowedOrigins} null: any origin. */
    WebSocketGate(String type, String path, List<String> allowedOrigins) {
        this.type = type;
        this.path = path;
        this.allowedOrigins = allowedOrigins == null ? null
                : allowedOrigins.stream().map(o -> o.toLowerCase(Locale.ROOT)).toList();
    }

    private record Refusal(HttpResponseStatus status, String why) {}

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        Refusal refusal = check(request);
        if (refusal == null) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        log.info("refusing the {} request from {} ({} {}): {}", type, ctx.channel().remoteAddress(),
                request.method(), request.uri(), refusal.why);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, refusal.status,
                Unpooled.copiedBuffer(refusal.why + "\n", StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private Refusal check(FullHttpRequest request) {
        if (!new QueryStringDecoder(request.uri()).path().equals(path)) {
            return new Refusal(HttpResponseStatus.NOT_FOUND, "MQTT over WebSocket is served on " + path + " only");
        }
        if (!request.method().equals(HttpMethod.GET)
                || !request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "not a WebSocket upgrade request");
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (allowedOrigins != null && origin != null && !allowedOrigins.contains(origin.toLowerCase(Locale.ROOT))) {
            return new Refusal(HttpResponseStatus.FORBIDDEN, "origin " + origin + " is not in allowed_origins");
        }
        String offered = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        if (offered != null && !offersMqtt(offered)) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "subprotocol '" + offered
                    + "' offered; this broker speaks " + String.join(" or ", SUBPROTOCOLS));
        }
        return null;
    }

    private static boolean offersMqtt(String offered) {
        for (String p : offered.split(",")) {
            if (SUBPROTOCOLS.contains(p.trim())) {
                return true;
            }
        }
        return false;
    }
}
