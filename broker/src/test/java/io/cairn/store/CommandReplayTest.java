package io.cairn.store;

import io.cairn.state.Command;
import io.cairn.state.BrokerState;
import io.cairn.state.SessionState;
import io.cairn.state.Message;
import io.cairn.state.MessageProperties;
import io.cairn.state.Delivery;
import io.cairn.state.Will;
import io.cairn.state.SubscriptionOptions;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The state machine is deterministic and its commands and snapshots survive encoding: the same
 * commands give the same state whether applied live, decoded from records, replayed twice, or
 * applied on top of a snapshot taken half-way.
 */
class CommandReplayTest {

    @Test
    void replayingEncodedCommandsGivesTheSameState() {
        for (long seed = 1; seed <= 20; seed++) {
            List<Command> commands = randomCommands(new Random(seed), 2000);
            BrokerState live = new BrokerState();
            BrokerState replayed = new BrokerState();
            BrokerState replayedAgain = new BrokerState();
            BrokerState fromSnapshot = null;
            for (int i = 0; i < commands.size(); i++) {
                Command c = commands.get(i);
                live.apply(c);
                replayed.apply(roundTrip(c));
                replayedAgain.apply(roundTrip(c));
                if (i == commands.size() / 2) {
                    fromSnapshot = StateSnapshot.read(StateSnapshot.write(live));
                } else if (fromSnapshot != null) {
                    fromSnapshot.apply(roundTrip(c));
                }
            }
            String expected = digest(live);
            assertThat(digest(replayed)).as("seed %d", seed).isEqualTo(expected);
            assertThat(digest(replayedAgain)).as("seed %d", seed).isEqualTo(expected);
            assertThat(digest(fromSnapshot)).as("seed %d", seed).isEqualTo(expected);
            assertThat(digest(StateSnapshot.read(StateSnapshot.write(live)))).isEqualTo(expected);
        }
    }

    @Test
    void aTruncatedRecordIsAFormatErrorNotAWrongCommand() {
        Command c = randomCommands(new Random(7), 50).stream()
                .filter(x -> x instanceof Command.Publish).findFirst().orElseThrow();
        byte[] body = CommandCodec.encode(c);
        for (int cut = 0; cut < body.length; cut++) {
            byte[] shorter = Arrays.copyOf(body, cut);
            assertThatThrownBy(() -> CommandCodec.decode(CommandCodec.type(c), shorter))
                    .isInstanceOf(Wire.FormatException.class);
        }
    }

    @Test
    void aPayloadIsStoredOnceInASnapshotHoweverManySessionsQueueIt() {
        BrokerState s = new BrokerState();
        byte[] payload = new byte[100_000];
        List<Command.Route> routes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            s.apply(new Command.OpenSession("c" + i, false, SessionState.NEVER_EXPIRES, null));
            routes.add(new Command.Route("c" + i, 1, false, new int[0]));
        }
        Message m = new Message(1, "t", 1, false, payload, MessageProperties.NONE, 0);
        s.apply(new Command.Publish("p", 0, m, routes));
        assertThat(StateSnapshot.write(s).length).isBetween(100_000, 110_000);
        assertThat(CommandCodec.encode(new Command.Publish("p", 0, m, routes)).length).isBetween(100_000, 110_000);
    }

    static Command roundTrip(Command c) {
        return CommandCodec.decode(CommandCodec.type(c), CommandCodec.encode(c));
    }

    /** A canonical description of the whole state, for equality checks. */
    static String digest(BrokerState state) {
        StringBuilder b = new StringBuilder();
        b.append("last=").append(state.lastMessageId()).append('\n');
        new TreeMap<>(state.retained()).forEach((t, m) -> b.append("retained ").append(t).append('=').append(msg(m)).append('\n'));
        TreeMap<String, SessionState> sessions = new TreeMap<>();
        state.sessions().forEach(s -> sessions.put(s.clientId(), s));
        sessions.forEach((id, s) -> {
            b.append("session ").append(id).append(" exp=").append(s.expiryInterval())
                    .append(" last=").append(s.lastPacketId())
                    .append(" will=").append(s.will() == null ? "-" : s.will().topic() + "/" + s.will().qos())
                    .append(" deadlines=").append(s.expiresAtMillis()).append('/').append(s.willAtMillis()).append('\n');
            new TreeMap<>(s.subscriptions()).forEach((f, o) -> b.append("  sub ").append(f).append(' ').append(o).append('\n'));
            s.queue().forEach(d -> b.append("  queued ").append(delivery(d)).append('\n'));
            s.inflight().values().forEach(f -> b.append("  inflight ").append(f.packetId).append(f.released ? " rel " : " ")
                    .append(delivery(f.delivery)).append('\n'));
            new java.util.TreeSet<>(s.inboundHeldIds()).forEach(i -> b.append("  held ").append(i).append('\n'));
        });
        new TreeMap<>(state.shared()).forEach((key, g) -> {
            b.append("shared ").append(key).append(" members=").append(new java.util.TreeSet<>(g.members().keySet()))
                    .append('\n');
            g.queue().forEach(d -> b.append("  queued ").append(delivery(d)).append('\n'));
            g.orphans().forEach((k, d) -> b.append("  orphan ").append(k.replace('\u0000', '#')).append(' ')
                    .append(delivery(d)).append('\n'));
        });
        List<String> matches = new ArrayList<>();
        for (String topic : List.of("a", "a/b", "a/b/c", "b/x", "$SYS/x")) {
            state.subscriptions().match(topic, (c, f, o) -> matches.add(topic + "<-" + c + ":" + f));
        }
        matches.sort(null);
        b.append(matches);
        return b.toString();
    }

    private static String delivery(Delivery d) {
        return msg(d.message()) + " q" + d.qos() + " r" + d.retain() + " ids" + Arrays.toString(d.subscriptionIds())
                + (d.share() == null ? "" : " via " + d.share());
    }

    private static String msg(Message m) {
        return m.id() + ":" + m.topic() + ":" + m.qos() + ":" + m.retain() + ":" + new String(m.payload(), StandardCharsets.UTF_8)
                + ":" + m.expiresAtMillis() + ":" + m.properties().userProperties() + ":" + m.properties().contentType();
    }

    /** Plausible command streams over a few clients, topics and packet ids, including ones that no longer fit. */
    static List<Command> randomCommands(Random r, int n) {
        String[] clients = {"c1", "c2", "c3", "c4"};
        String[] filters = {"a", "a/+", "a/#", "#", "b/x", "+/b", "$share/g/a/#", "$share/h/#"};
        String[] shares = {"$share/g/a/#", "$share/h/#"};
        String[] topics = {"a", "a/b", "a/b/c", "b/x"};
        List<Command> out = new ArrayList<>();
        long msgId = 0;
        for (int i = 0; i < n; i++) {
            String c = clients[r.nextInt(clients.length)];
            int kind = r.nextInt(100);
            if (kind < 5) {
                Will w = r.nextBoolean() ? null : new Will("will/" + c, r.nextInt(3), r.nextBoolean(), "bye".getBytes(),
                        MessageProperties.NONE, r.nextInt(3));
                out.add(new Command.OpenSession(c, r.nextInt(4) == 0, r.nextBoolean() ? SessionState.NEVER_EXPIRES : 60, w));
            } else if (kind < 7) {
                out.add(new Command.EndSession(c));
            } else if (kind < 15) {
                List<String> retained = r.nextBoolean() ? List.of(topics[r.nextInt(topics.length)]) : List.of();
                out.add(new Command.Subscribe(c, filters[r.nextInt(filters.length)],
                        new SubscriptionOptions(r.nextInt(3), r.nextBoolean(), r.nextBoolean(), r.nextInt(3), r.nextInt(3)), retained));
            } else if (kind < 18) {
                out.add(new Command.Unsubscribe(c, filters[r.nextInt(filters.length)]));
            } else if (kind < 50) {
                List<Command.Route> routes = new ArrayList<>();
                for (String target : clients) {
                    if (r.nextBoolean()) {
                        routes.add(new Command.Route(target, r.nextInt(3), r.nextBoolean(), r.nextBoolean() ? new int[0] : new int[] {1, 2}));
                    }
                }
                MessageProperties props = r.nextBoolean() ? MessageProperties.NONE
                        : new MessageProperties(1, "text/plain", "resp", new byte[] {1, 2},
                        List.of(new MessageProperties.UserProperty("k", "v" + i), new MessageProperties.UserProperty("k", "w")), 30);
                byte[] payload = r.nextInt(10) == 0 ? new byte[0] : ("m" + i).getBytes();
                Message m = new Message(++msgId, topics[r.nextInt(topics.length)], r.nextInt(3), r.nextInt(5) == 0, payload, props,
                        r.nextBoolean() ? 0 : 1_000_000L + i);
                List<String> toShares = new ArrayList<>();
                for (String share : shares) {
                    if (r.nextInt(3) == 0) {
                        toShares.add(share);
                    }
                }
                out.add(new Command.Publish(c, r.nextBoolean() ? 1 + r.nextInt(5) : 0, m, routes, toShares));
            } else if (kind < 64) {
                out.add(new Command.AssignOutbound(c, 1 + r.nextInt(8), 1 + (msgId > 0 ? r.nextLong(msgId) : 0)));
            } else if (kind < 67) {
                out.add(new Command.ShareDispatch(c, shares[r.nextInt(shares.length)],
                        1 + (msgId > 0 ? r.nextLong(msgId) : 0), r.nextInt(9)));
            } else if (kind < 70) {
                out.add(new Command.ShareReturn(c, shares[r.nextInt(shares.length)], 1 + r.nextInt(8)));
            } else if (kind < 78) {
                out.add(new Command.ReceivedOutbound(c, 1 + r.nextInt(8)));
            } else if (kind < 90) {
                out.add(new Command.CompleteOutbound(c, 1 + r.nextInt(8)));
            } else if (kind < 94) {
                out.add(new Command.ReleaseInbound(c, 1 + r.nextInt(5)));
            } else if (kind < 97) {
                out.add(new Command.Dequeue(c, 1 + (msgId > 0 ? r.nextLong(msgId) : 0)));
            } else if (kind < 98) {
                out.add(new Command.SetExpiry(c, r.nextInt(100)));
            } else if (kind < 99) {
                out.add(new Command.Detach(c, r.nextBoolean() ? SessionState.NEVER : 1_000_000L + i,
                        r.nextBoolean() ? 0 : 2_000_000L + i));
            } else {
                out.add(new Command.ClearWill(c));
            }
        }
        return out;
    }
}
