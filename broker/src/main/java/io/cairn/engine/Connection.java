package io.cairn.engine;

import io.cairn.state.SessionState;
import io.cairn.state.Will;
import io.netty.handler.codec.mqtt.MqttProperties;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The session engine's view of one accepted network connection: what the client asked for in its
 * CONNECT (already validated by the protocol handler), the limits that govern sending to it, and the
 * packets the current engine batch has for it.
 *
 * <p>Threading: the final fields are set by the protocol handler before the connection is handed to
 * the engine; every other field is read and written only on the session engine thread.
 */
public final class Connection {

    /** Where the engine's packets for this connection go once their batch is durable. */
    public interface Output {
        /**
         * Writes the packets in order, then closes the connection if {@code close}. Called from a
         * store thread; implementations hand the work to the connection's event loop.
         */
        void deliver(List<Object> packets, boolean close);
    }

    final Output output;
    final String clientId;
    final int version;
    final boolean cleanStart;
    final long expiryInterval;
    final Will will;
    /** How many QoS 1/2 PUBLISH may await acknowledgement: 5.0 client Receive Maximum, else max_inflight. */
    final int sendWindow;
    /** Largest packet the client accepts (5.0 Maximum Packet Size), else Long.MAX_VALUE. */
    final long maxPacketSize;
    /** CONNACK properties the protocol handler prepared (5.0), or NO_PROPERTIES. */
    final MqttProperties connackProperties;

    SessionState session;
    boolean current;
    final List<Object> outbox = new ArrayList<>(4);
    boolean closeRequested;
    boolean touched;
    /** Engine batches with packets for this connection that the store has not released yet (any thread). */
    final AtomicInteger unreleasedBatches = new AtomicInteger();

    public Connection(Output output, String clientId, int version, boolean cleanStart, long expiryInterval,
                      Will will, int sendWindow, long maxPacketSize, MqttProperties connackProperties) {
        this.output = output;
        this.clientId = clientId;
        this.version = version;
        this.cleanStart = cleanStart;
        this.expiryInterval = expiryInterval;
        this.will = will;
        this.sendWindow = sendWindow;
        this.maxPacketSize = maxPacketSize;
        this.connackProperties = connackProperties;
    }

    public String clientId() {
        return clientId;
    }

    /** The session expiry interval this connection was accepted with. */
    public long expiryInterval() {
        return expiryInterval;
    }

    public int version() {
        return version;
    }

    @Override
    public String toString() {
        return "Connection[" + clientId + ", v" + version + "]";
    }
}
