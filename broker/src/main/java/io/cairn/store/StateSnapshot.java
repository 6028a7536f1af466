package io.cairn.store;

import io.cairn.state.BrokerState;
import io.cairn.state.SessionState;
import io.cairn.state.SharedGroup;
import io.cairn.state.Message;
import io.cairn.state.Delivery;
import io.cairn.state.Will;
import io.cairn.state.SubscriptionOptions;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole {@link BrokerState} as bytes, so that recovery replays only the journal written after
 * it. Each message is written once and referred to by id from retained entries, queues and
 * in-flight deliveries, as in memory.
 *
 * <p>Threading: {@link #write} must run on the thread that owns the state it is given: the
 * snapshot thread, with a {@link BrokerState#copyForSnapshot copy} the engine made for it;
 * {@link #read} on the recovering thread.
 */
public final class StateSnapshot {

    /** 3: deliveries name their shared subscription, and shared subscriptions follow the sessions. */
    private static final int FORMAT = 3;
    private static final int FORMAT_WITHOUT_SHARES = 2;

    private StateSnapshot() {
    }

    public static byte[] write(BrokerState state) {
        Map<Long, Message> messages = new LinkedHashMap<>();
        state.retained().values().forEach(m -> messages.put(m.id(), m));
        for (SessionState s : state.sessions()) {
            s.queue().forEach(d -> messages.put(d.message().id(), d.message()));
            s.inflight().values().forEach(f -> messages.put(f.delivery.message().id(), f.delivery.message()));
        }
        for (SharedGroup g : state.shared().values()) {
            g.queue().forEach(d -> messages.put(d.message().id(), d.message()));
            g.orphans().values().forEach(d -> messages.put(d.message().id(), d.message()));
        }
        Wire.Writer w = new Wire.Writer(1 << 16);
        w.i32(FORMAT).i64(state.lastMessageId());
        w.i32(messages.size());
        messages.values().forEach(m -> CommandCodec.writeMessage(w, m));
        w.i32(state.retained().size());
        state.retained().values().forEach(m -> w.i64(m.id()));
        w.i32(state.sessions().size());
        for (SessionState s : state.sessions()) {
            writeSession(w, s);
        }
        w.i32(state.shared().size());
        for (SharedGroup g : state.shared().values()) {
            writeShared(w, g);
        }
        return w.toByteArray();
    }

    private static void writeSession(Wire.Writer w, SessionState s) {
        w.str(s.clientId()).i64(s.expiryInterval()).i32(s.lastPacketId()).i64(s.expiresAtMillis()).i64(s.willAtMillis());
        CommandCodec.writeWill(w, s.will());
        w.i32(s.subscriptions().size());
        s.subscriptions().forEach((filter, o) -> {
            w.str(filter);
            CommandCodec.writeOptions(w, o);
        });
        w.i32(s.queue().size());
        s.queue().forEach(d -> writeDelivery(w, d));
        w.i32(s.inflight().size());
        for (SessionState.Inflight f : s.inflight().values()) {
            w.i32(f.packetId).bool(f.released);
            writeDelivery(w, f.delivery);
        }
        w.i32(s.inboundHeldIds().size());
        s.inboundHeldIds().forEach(w::i32);
    }

    private static void writeShared(Wire.Writer w, SharedGroup g) {
        w.str(g.key());
        w.i32(g.queue().size());
        g.queue().forEach(d -> writeDelivery(w, d));
        w.i32(g.orphans().size());
        g.orphans().forEach((key, d) -> {
            int split = key.indexOf('\u0000');
            w.str(key.substring(0, split)).i32(Integer.parseInt(key.substring(split + 1)));
            writeDelivery(w, d);
        });
    }

    private static void writeDelivery(Wire.Writer w, Delivery d) {
        w.i64(d.message().id()).u8(d.qos()).bool(d.retain()).ints(d.subscriptionIds());
        w.str(d.share() == null ? "" : d.share());
    }

    public static BrokerState read(byte[] bytes) {
        Wire.Reader r = new Wire.Reader(bytes);
        int format = r.i32();
        if (format != FORMAT && format != FORMAT_WITHOUT_SHARES) {
            throw new Wire.FormatException("unknown snapshot format " + format);
        }
        BrokerState state = new BrokerState();
        state.restoreLastMessageId(r.i64());
        int n = r.count(8);
        Map<Long, Message> messages = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            Message m = CommandCodec.readMessage(r);
            messages.put(m.id(), m);
        }
        int retained = r.count(8);
        for (int i = 0; i < retained; i++) {
            Message m = message(messages, r.i64());
            state.restoreRetained(m);
        }
        int sessions = r.count(8);
        boolean shares = format == FORMAT;
        for (int i = 0; i < sessions; i++) {
            readSession(r, state, messages, shares);
        }
        int groups = shares ? r.count(4) : 0;
        for (int i = 0; i < groups; i++) {
            readShared(r, state, messages);
        }
        r.expectEnd();
        return state;
    }

    private static void readShared(Wire.Reader r, BrokerState state, Map<Long, Message> messages) {
        String key = r.str();
        SharedGroup g = state.restoreShared(key);
        if (g == null) {
            throw new Wire.FormatException("snapshot holds a malformed shared subscription " + key);
        }
        int queued = r.count(8);
        for (int i = 0; i < queued; i++) {
            state.restoreSharedQueued(g, readDelivery(r, messages, true));
        }
        int orphans = r.count(8);
        for (int i = 0; i < orphans; i++) {
            String clientId = r.str();
            int packetId = r.i32();
            state.restoreOrphan(g, clientId, packetId, readDelivery(r, messages, true));
        }
    }

    private static void readSession(Wire.Reader r, BrokerState state, Map<Long, Message> messages, boolean shares) {
        String clientId = r.str();
        long expiry = r.i64();
        int lastPacketId = r.i32();
        long expiresAt = r.i64();
        long willAt = r.i64();
        Will will = CommandCodec.readWill(r);
        SessionState s = state.restoreSession(clientId, expiry, will);
        s.restoreDeadlines(expiresAt, willAt);
        int subs = r.count(4);
        for (int i = 0; i < subs; i++) {
            String filter = r.str();
            SubscriptionOptions o = CommandCodec.readOptions(r);
            state.restoreSubscription(clientId, filter, o);
        }
        int queued = r.count(8);
        for (int i = 0; i < queued; i++) {
            s.restoreQueued(readDelivery(r, messages, shares));
        }
        int inflight = r.count(8);
        for (int i = 0; i < inflight; i++) {
            int packetId = r.i32();
            boolean released = r.bool();
            s.restoreInflight(packetId, readDelivery(r, messages, shares), released);
        }
        int held = r.count(4);
        for (int i = 0; i < held; i++) {
            s.restoreInbound(r.i32());
        }
        s.restoreLastPacketId(lastPacketId);
    }

    private static Delivery readDelivery(Wire.Reader r, Map<Long, Message> messages, boolean shares) {
        Delivery d = new Delivery(message(messages, r.i64()), r.u8(), r.bool(), r.ints());
        if (shares) {
            String share = r.str();
            if (!share.isEmpty()) {
                d = new Delivery(d.message(), d.qos(), d.retain(), d.subscriptionIds(), share);
            }
        }
        return d;
    }

    private static Message message(Map<Long, Message> messages, long id) {
        Message m = messages.get(id);
        if (m == null) {
            throw new Wire.FormatException("snapshot refers to unknown message " + id);
        }
        return m;
    }
}
