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

    private CommandCodec() {
    }

    /** The record type of a command. */
    public static byte type(Command c) {
        if (c instanceof Command.Publish) {
            return PUBLISH;
        } else if (c instanceof Command.AssignOutbound) {
            return ASSIGN_OUTBOUND;
        } else if (c instanceof Command.CompleteOutbound) {
            return COMPLETE_OUTBOUND;
        } else if (c instanceof Command.ReceivedOutbound) {
            return RECEIVED_OUTBOUND;
        } else if (c instanceof Command.ReleaseInbound) {
            return RELEASE_INBOUND;
        } else if (c instanceof Command.Dequeue) {
            return DEQUEUE;
        } else if (c instanceof Command.Subscribe) {
            return SUBSCRIBE;
        } else if (c instanceof Command.Unsubscribe) {
            return UNSUBSCRIBE;
        } else if (c instanceof Command.OpenSession) {
            return OPEN_SESSION;
        } else if (c instanceof Command.SetExpiry) {
            return SET_EXPIRY;
        } else if (c instanceof Command.ClearWill) {
            return CLEAR_WILL;
        } else if (c instanceof Command.EndSession) {
            return END_SESSION;
        } else if (c instanceof Command.Detach) {
            return DETACH;
        }
        throw new IllegalArgumentException("unknown command " + c);
    }

    /** The record body of a command. */
    public static byte[] encode(Command c) {
        Wire.Writer w = new Wire.Writer(64);
        w.str(c.clientId());
        if (c instanceof Command.Publish p) {
            w.i32(p.inboundPacketId());
            writeMessage(w, p.message());
            w.i32(p.routes().size());
            for (Command.Route r : p.routes()) {
                w.str(r.clientId()).u8(r.qos()).bool(r.retain()).ints(r.subscriptionIds());
            }
        } else if (c instanceof Command.AssignOutbound a) {
            w.i32(a.packetId()).i64(a.messageId());
        } else if (c instanceof Command.CompleteOutbound a) {
            w.i32(a.packetId());
        } else if (c instanceof Command.ReceivedOutbound a) {
            w.i32(a.packetId());
        } else if (c instanceof Command.ReleaseInbound a) {
            w.i32(a.packetId());
        } else if (c instanceof Command.Dequeue d) {
            w.i64(d.messageId());
        } else if (c instanceof Command.Subscribe s) {
            w.str(s.filter());
            writeOptions(w, s.options());
            w.i32(s.retainedTopics().size());
            for (String t : s.retainedTopics()) {
                w.str(t);
            }
        } else if (c instanceof Command.Unsubscribe u) {
            w.str(u.filter());
        } else if (c instanceof Command.OpenSession o) {
            w.bool(o.cleanStart()).i64(o.expiryInterval());
            writeWill(w, o.will());
        } else if (c instanceof Command.SetExpiry e) {
            w.i64(e.expiryInterval());
        } else if (c instanceof Command.Detach d) {
            w.i64(d.expiresAtMillis()).i64(d.willAtMillis());
        }
        return w.toByteArray();
    }

    /** Decodes a record; throws {@link Wire.FormatException} for a body that does not fit its type. */
    public static Command decode(int type, byte[] body) {
        Wire.Reader r = new Wire.Reader(body);
        String clientId = r.str();
        Command c = switch (type) {
            case PUBLISH -> readPublish(r, clientId);
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

    private static Command readPublish(Wire.Reader r, String clientId) {
        int packetId = r.i32();
        Message m = readMessage(r);
        int n = r.count(9);
        List<Command.Route> routes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            routes.add(new Command.Route(r.str(), r.u8(), r.bool(), r.ints()));
        }
        return new Command.Publish(clientId, packetId, m, routes);
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
