package io.cairn.store;

import io.cairn.state.Command;
import io.cairn.state.Message;
import io.cairn.state.MessageProperties;
import io.cairn.state.Will;
import io.cairn.state.SubscriptionOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * The journal's binary form of each {@link Command}: one type byte and a body. A Publish carries its
 * payload once, whatever the number of routes. Formats are versioned by type: a changed layout gets
 * a new type number, and old types stay readable.
 *
 * <p>Threading: stateless.
 */
public final class CommandCodec {

    static final int OPEN_SESSION = 1;
    static final int SET_EXPIRY = 2;
    static final int CLEAR_WILL = 3;
    static final int END_SESSION = 4;
    static final int SUBSCRIBE = 5;
    static final int UNSUBSCRIBE = 6;
    static final int PUBLISH = 7;
    static final int RELEASE_INBOUND = 8;
    static final int ASSIGN_OUTBOUND = 9;
    static final int RECEIVED_OUTBOUND = 10;
    static final int COMPLETE_OUTBOUND = 11;
    static final int DEQUEUE = 12;
    static final int DETACH = 13;
    /** A Publish that also goes to shared subscriptions: PUBLISH's layout, then the share keys. */
    static final int PUBLISH_SHARED = 14;
    static final int SHARE_DISPATCH = 15;
    static final int SHARE_RETURN = 16;

    private CommandCodec() {
    }

    /** The record type of a command. */
    public static byte type(Command c) {
        return c.accept(TYPE).byteValue();
    }

    /** The record body of a command: its client id, then what its type needs. */
    public static byte[] encode(Command c) {
        return write(c).toByteArray();
    }

    /**
     * The record body of a command in a writer, for a caller that copies it on (the journal's batch):
     * no exact-size copy. Sized from the command, so that a payload is not copied again as it grows.
     */
    static Wire.Writer write(Command c) {
        return write(c, 0);
    }

    /** As {@link #write(Command)}, the body starting at {@code room} in the writer's array (for a record header). */
    static Wire.Writer write(Command c, int room) {
        return write(c, new Wire.Writer(capacity(c), room));
    }

    /**
     * As {@link #write(Command, int)}, into {@code scratch} (reset, with its room) when the command is
     * small, so that a small record allocates no writer; a large one gets a writer of its own, which
     * the journal may keep. The result is {@code scratch} or that new writer.
     */
    static Wire.Writer write(Command c, int room, Wire.Writer scratch) {
        int capacity = capacity(c);
        return write(c, capacity <= SCRATCH_UP_TO ? scratch.reset() : new Wire.Writer(capacity, room));
    }

    /** Commands estimated at most this large are encoded into a reused writer. */
    static final int SCRATCH_UP_TO = 4096;

    private static Wire.Writer write(Command c, Wire.Writer w) {
        w.str(c.clientId());
        c.accept(new BodyWriter(w));
        return w;
    }

    private static int capacity(Command c) {
        if (c instanceof Command.Publish p) {
            Message m = p.message();
            // UTF-8 is at most 3 bytes per char; a route is its client id plus 12 bytes or so
            return 128 + m.payload().length + 3 * m.topic().length() + 48 * (p.routes().size() + p.shares().size());
        }
        return 64;
    }

    /** The record type of each kind of command; a type number is never reused for another layout. */
    private static final Command.Visitor<Integer> TYPE = new Command.Visitor<>() {
        @Override
        public Integer openSession(Command.OpenSession c) {
            return OPEN_SESSION;
        }

        @Override
        public Integer setExpiry(Command.SetExpiry c) {
            return SET_EXPIRY;
        }

        @Override
        public Integer clearWill(Command.ClearWill c) {
            return CLEAR_WILL;
        }

        @Override
        public Integer detach(Command.Detach c) {
            return DETACH;
        }

        @Override
        public Integer endSession(Command.EndSession c) {
            return END_SESSION;
        }

        @Override
        public Integer subscribe(Command.Subscribe c) {
            return SUBSCRIBE;
        }

        @Override
        public Integer unsubscribe(Command.Unsubscribe c) {
            return UNSUBSCRIBE;
        }

        @Override
        public Integer publish(Command.Publish c) {
            return c.shares().isEmpty() ? PUBLISH : PUBLISH_SHARED;
        }

        @Override
        public Integer shareDispatch(Command.ShareDispatch c) {
            return SHARE_DISPATCH;
        }

        @Override
        public Integer shareReturn(Command.ShareReturn c) {
            return SHARE_RETURN;
        }

        @Override
        public Integer releaseInbound(Command.ReleaseInbound c) {
            return RELEASE_INBOUND;
        }

        @Override
        public Integer assignOutbound(Command.AssignOutbound c) {
            return ASSIGN_OUTBOUND;
        }

        @Override
        public Integer receivedOutbound(Command.ReceivedOutbound c) {
            return RECEIVED_OUTBOUND;
        }

        @Override
        public Integer completeOutbound(Command.CompleteOutbound c) {
            return COMPLETE_OUTBOUND;
        }

        @Override
        public Integer dequeue(Command.Dequeue c) {
            return DEQUEUE;
        }
    };

    /** Writes what follows the client id in each kind of record. */
    private record BodyWriter(Wire.Writer w) implements Command.Visitor<Void> {
        @Override
        public Void openSession(Command.OpenSession c) {
            w.bool(c.cleanStart()).i64(c.expiryInterval());
            writeWill(w, c.will());
            return null;
        }

        @Override
        public Void setExpiry(Command.SetExpiry c) {
            w.i64(c.expiryInterval());
            return null;
        }

        @Override
        public Void clearWill(Command.ClearWill c) {
            return null;
        }

        @Override
        public Void detach(Command.Detach c) {
            w.i64(c.expiresAtMillis()).i64(c.willAtMillis());
            return null;
        }

        @Override
        public Void endSession(Command.EndSession c) {
            return null;
        }

        @Override
        public Void subscribe(Command.Subscribe c) {
            w.str(c.filter());
            writeOptions(w, c.options());
            w.i32(c.retainedTopics().size());
            for (String t : c.retainedTopics()) {
                w.str(t);
            }
            return null;
        }

        @Override
        public Void unsubscribe(Command.Unsubscribe c) {
            w.str(c.filter());
            return null;
        }

        @Override
        public Void publish(Command.Publish c) {
            w.i32(c.inboundPacketId());
            writeMessage(w, c.message());
            w.i32(c.routes().size());
            for (Command.Route r : c.routes()) {
                w.str(r.clientId()).u8(r.qos()).bool(r.retain()).ints(r.subscriptionIds());
            }
            if (!c.shares().isEmpty()) {
                w.i32(c.shares().size());
                c.shares().forEach(w::str);
            }
            return null;
        }

        @Override
        public Void shareDispatch(Command.ShareDispatch c) {
            w.str(c.share()).i64(c.messageId()).i32(c.packetId());
            return null;
        }

        @Override
        public Void shareReturn(Command.ShareReturn c) {
            w.str(c.share()).i32(c.packetId());
            return null;
        }

        @Override
        public Void releaseInbound(Command.ReleaseInbound c) {
            w.i32(c.packetId());
            return null;
        }

        @Override
        public Void assignOutbound(Command.AssignOutbound c) {
            w.i32(c.packetId()).i64(c.messageId());
            return null;
        }

        @Override
        public Void receivedOutbound(Command.ReceivedOutbound c) {
            w.i32(c.packetId());
            return null;
        }

        @Override
        public Void completeOutbound(Command.CompleteOutbound c) {
            w.i32(c.packetId());
            return null;
        }

        @Override
        public Void dequeue(Command.Dequeue c) {
            w.i64(c.messageId());
            return null;
        }
    }

    /** Decodes a record; throws {@link Wire.FormatException} for a body that does not fit its type. */
    public static Command decode(int type, byte[] body) {
        Wire.Reader r = new Wire.Reader(body);
        String clientId = r.str();
        Command c = switch (type) {
            case PUBLISH -> readPublish(r, clientId, false);
            case PUBLISH_SHARED -> readPublish(r, clientId, true);
            case SHARE_DISPATCH -> new Command.ShareDispatch(clientId, r.str(), r.i64(), r.i32());
            case SHARE_RETURN -> new Command.ShareReturn(clientId, r.str(), r.i32());
            case ASSIGN_OUTBOUND -> new Command.AssignOutbound(clientId, r.i32(), r.i64());
            case COMPLETE_OUTBOUND -> new Command.CompleteOutbound(clientId, r.i32());
            case RECEIVED_OUTBOUND -> new Command.ReceivedOutbound(clientId, r.i32());
            case RELEASE_INBOUND -> new Command.ReleaseInbound(clientId, r.i32());
            case DEQUEUE -> new Command.Dequeue(clientId, r.i64());
            case SUBSCRIBE -> readSubscribe(r, clientId);
            case UNSUBSCRIBE -> new Command.Unsubscribe(clientId, r.str());
            case OPEN_SESSION -> new Command.OpenSession(clientId, r.bool(), r.i64(), readWill(r));
            case SET_EXPIRY -> new Command.SetExpiry(clientId, r.i64());
            case CLEAR_WILL -> new Command.ClearWill(clientId);
            case END_SESSION -> new Command.EndSession(clientId);
            case DETACH -> new Command.Detach(clientId, r.i64(), r.i64());
            default -> throw new Wire.FormatException("unknown record type " + type);
        };
        r.expectEnd();
        return c;
    }

    private static Command readPublish(Wire.Reader r, String clientId, boolean shared) {
        int packetId = r.i32();
        Message m = readMessage(r);
        int n = r.count(9);
        List<Command.Route> routes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            routes.add(new Command.Route(r.str(), r.u8(), r.bool(), r.ints()));
        }
        List<String> shares = List.of();
        if (shared) {
            int k = r.count(4);
            shares = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                shares.add(r.str());
            }
        }
        return new Command.Publish(clientId, packetId, m, routes, shares);
    }

    private static Command readSubscribe(Wire.Reader r, String clientId) {
        String filter = r.str();
        SubscriptionOptions o = readOptions(r);
        int n = r.count(4);
        List<String> topics = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            topics.add(r.str());
        }
        return new Command.Subscribe(clientId, filter, o, topics);
    }

    static void writeMessage(Wire.Writer w, Message m) {
        w.i64(m.id()).str(m.topic()).u8(m.qos()).bool(m.retain()).bytes(m.payload()).i64(m.expiresAtMillis());
        writeProperties(w, m.properties());
    }

    static Message readMessage(Wire.Reader r) {
        long id = r.i64();
        String topic = r.str();
        int qos = r.u8();
        boolean retain = r.bool();
        byte[] payload = r.bytes();
        long expiresAt = r.i64();
        return new Message(id, topic, qos, retain, payload, readProperties(r), expiresAt);
    }

    static void writeProperties(Wire.Writer w, MessageProperties p) {
        w.i32(p.payloadFormat()).str(p.contentType()).str(p.responseTopic()).bytes(p.correlationData())
                .i64(p.expiryInterval());
        w.i32(p.userProperties().size());
        for (MessageProperties.UserProperty u : p.userProperties()) {
            w.str(u.name()).str(u.value());
        }
    }

    static MessageProperties readProperties(Wire.Reader r) {
        int format = r.i32();
        String contentType = r.str();
        String responseTopic = r.str();
        byte[] correlation = r.bytes();
        long expiry = r.i64();
        int n = r.count(8);
        List<MessageProperties.UserProperty> users = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            users.add(new MessageProperties.UserProperty(r.str(), r.str()));
        }
        MessageProperties p = new MessageProperties(format, contentType, responseTopic, correlation, List.copyOf(users), expiry);
        return p.isEmpty() ? MessageProperties.NONE : p;
    }

    static void writeOptions(Wire.Writer w, SubscriptionOptions o) {
        w.u8(o.qos()).bool(o.noLocal()).bool(o.retainAsPublished()).u8(o.retainHandling()).i32(o.subscriptionId());
    }

    static SubscriptionOptions readOptions(Wire.Reader r) {
        return new SubscriptionOptions(r.u8(), r.bool(), r.bool(), r.u8(), r.i32());
    }

    static void writeWill(Wire.Writer w, Will will) {
        w.bool(will != null);
        if (will != null) {
            w.str(will.topic()).u8(will.qos()).bool(will.retain()).bytes(will.payload()).i64(will.delaySeconds());
            writeProperties(w, will.properties());
        }
    }

    static Will readWill(Wire.Reader r) {
        if (!r.bool()) {
            return null;
        }
        String topic = r.str();
        int qos = r.u8();
        boolean retain = r.bool();
        byte[] payload = r.bytes();
        long delay = r.i64();
        return new Will(topic, qos, retain, payload, readProperties(r), delay);
    }
}
