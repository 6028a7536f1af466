package io.cairn.protocol;

import io.cairn.engine.Connection;
import io.cairn.engine.Outbound;
import io.cairn.state.Delivery;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;

import java.util.List;

/**
 * Where the engine's events for one connection go: encoded for the client's version, written and
 * flushed on the connection's event loop once the batch that produced them is durable.
 *
 * <p>Threading: {@link #deliver} may be called from any thread (the store's, or the engine's) and
 * hands its work to the event loop, where the {@link OutboundAliases} are used; {@link #publishSize}
 * is a pure function.
 */
final class ChannelOutput implements Connection.Output {

    /** Ends the connection after the engine's last events; {@code disconnect} is the write of a DISCONNECT among them, or null. */
    interface Closer {
        void close(ChannelFuture disconnect);
    }

    private final ChannelHandlerContext ctx;
    private final int version;
    /** Until the CONNACK is written; then dropped, as an idle connection should hold no more than it needs. */
    private MqttProperties connackProperties;
    private final InboundQuota quota;
    private final Closer close;
    private final ReadGate gate;
    private final OutboundAliases aliases;
    private final ReasonStrings reasons;

    ChannelOutput(ChannelHandlerContext ctx, int version, MqttProperties connackProperties, InboundQuota quota,
                  Closer close, ReadGate gate, OutboundAliases aliases, ReasonStrings reasons) {
        this.ctx = ctx;
        this.aliases = aliases;
        this.reasons = reasons;
        this.gate = gate;
        this.version = version;
        this.connackProperties = connackProperties;
        this.quota = quota;
        this.close = close;
    }

    @Override
    public void deliver(List<Outbound> events, boolean closeAfter) {
        ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            ChannelFuture disconnect = null;
            for (Outbound e : events) {
                quota.sent(e);
                Object packet = EventEncoder.encode(e, version, connackProperties, reasons);
                if (e instanceof Outbound.ConnAck) {
                    connackProperties = MqttProperties.NO_PROPERTIES;
                }
                if (packet instanceof MqttPublishMessage publish) {
                    // aliases are assigned in the order packets are written, so a definition precedes its uses
                    packet = aliases.apply(publish);
                }
                if (packet != null && e instanceof Outbound.Disconnect) {
                    disconnect = ctx.write(packet);
                } else if (packet != null) {
                    ctx.write(packet, ctx.voidPromise());
                }
            }
            ctx.flush();
            if (closeAfter) {
                close.close(disconnect);
            }
        });
    }

    @Override
    public void holdReading(boolean hold) {
        ctx.executor().execute(() -> {
            if (hold) {
                gate.pause(ReadGate.HELD_BY_BUDGET);
            } else {
                gate.resume(ReadGate.HELD_BY_BUDGET);
            }
        });
    }

    /** An upper bound: the PUBLISH with its topic, and with an alias if this client takes them. */
    @Override
    public long publishSize(Delivery d) {
        return Packets.publishSize(version, d, 0) + (aliases.enabled() ? OutboundAliases.MAX_EXTRA_BYTES : 0);
    }
}
