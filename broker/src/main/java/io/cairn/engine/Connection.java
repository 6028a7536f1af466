package io.cairn.engine;

import io.cairn.state.Delivery;
import io.cairn.state.SessionState;
import io.cairn.state.Will;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's view of one accepted network connection: what the client asked for in its CONNECT
 * (already validated by the protocol layer), the limits that govern sending to it, and the events
 * the current engine batch has for it.
 *
 * <p>Threading: the final fields are set by the protocol layer before the connection is handed to
 * the engine; the others are read and written only on the engine thread, except
 * {@link #unreleasedBatches}, which the store's thread decrements.
 */
public final class Connection {

    /** Where the engine's events for this connection go once their batch is durable. */
    public interface Output {
        /**
         * Sends the events in order, then closes the connection if {@code close}. Called from a
         * store thread (or the engine's); implementations hand the work to the connection's event loop.
         */
        void deliver(List<Outbound> events, boolean close);

        /** The encoded size of a PUBLISH of {@code d} to this client. Called on the engine thread. */
        long publishSize(Delivery d);

        /**
         * Stops ({@code true}) or resumes reading from the client because its work waits for room in
         * a budget (MQTT 3.x back-pressure). Called on the engine thread; hands the change to the
         * connection's event loop.
         */
        void holdReading(boolean hold);
    }

    final Output output;
    final String clientId;
    /** MQTT 5: acknowledgements carry reason codes, so a PUBLISH can be refused without closing. */
    final boolean reasonCodes;
    final boolean cleanStart;
    final long expiryInterval;
    final Will will;
    /** How many QoS 1/2 PUBLISH may await acknowledgement: 5.0 client Receive Maximum, else max_inflight. */
    final int sendWindow;
    /** Largest packet the client accepts (5.0 Maximum Packet Size), else Long.MAX_VALUE. */
    final long maxPacketSize;
    /** The user name the client authenticated with, or null: what the ACL decides by. */
    final String username;

    /** For the activity log only: remote address, listener ("tcp:1883") and MQTT version ("5.0"). */
    private String address = "-";
    private String listener = "-";
    private String protocol = "-";

    SessionState session;
    boolean current;
    final List<Outbound> outbox = new ArrayList<>(); // its array on the first event: idle connections hold none
    boolean closeRequested;
    boolean touched;
    /** Engine batches with events for this connection that the store has not released yet. */
    final AtomicInteger unreleasedBatches = new AtomicInteger();
    /** False while the socket's write buffer is above its high watermark: nothing more is pumped. */
    boolean writable = true;
    /** Work of this client that waits for room in a budget, oldest first; null or empty when none. */
    java.util.ArrayDeque<Holds.Attempt> parked;
    /** When the oldest parked work was parked (System.nanoTime). */
    long heldSinceNanos;

    public Connection(Output output, String clientId, boolean reasonCodes, boolean cleanStart, long expiryInterval,
                      Will will, int sendWindow, long maxPacketSize) {
        this(output, clientId, reasonCodes, cleanStart, expiryInterval, will, sendWindow, maxPacketSize, null);
    }

    /** As above, for a client that authenticated as {@code username} (null: none). */
    public Connection(Output output, String clientId, boolean reasonCodes, boolean cleanStart, long expiryInterval,
                      Will will, int sendWindow, long maxPacketSize, String username) {
        this.username = username;
        this.output = output;
        this.clientId = clientId;
        this.reasonCodes = reasonCodes;
        this.cleanStart = cleanStart;
        this.expiryInterval = expiryInterval;
        this.will = will;
        this.sendWindow = sendWindow;
        this.maxPacketSize = maxPacketSize;
    }

    public String clientId() {
        return clientId;
    }

    /** The user name of the CONNECT, or null. */
    public String username() {
        return username;
    }

    /** The session expiry interval this connection was accepted with. */
    public long expiryInterval() {
        return expiryInterval;
    }

    /**
     * Names where the client came from, for {@link ClientLog}. Called by the protocol layer before
     * the connection is handed to the engine (the engine's inbox makes the values visible to it).
     */
    public Connection describedAs(String address, String listener, String protocol) {
        this.address = address;
        this.listener = listener;
        this.protocol = protocol;
        return this;
    }

    /** The client's address as "ip:port", or "-" when not described. */
    public String address() {
        return address;
    }

    String listener() {
        return listener;
    }

    String protocol() {
        return protocol;
    }

    @Override
    public String toString() {
        return "Connection[" + clientId + "]";
    }
}
