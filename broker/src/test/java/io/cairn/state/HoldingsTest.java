package io.cairn.state;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the state counts as held is kept as deliveries are queued, sent, acknowledged, dropped and
 * their sessions end: at every step the running count equals a count made afresh from the sessions,
 * a session's bytes equal the sum of its deliveries, and when everything is acknowledged nothing is
 * counted any more.
 */
class HoldingsTest {

    private static final String[] CLIENTS = {"c0", "c1", "c2", "c3", "c4"};
    private static final String[] FILTERS = {"a/#", "a/b", "+/b", "x/y"};
    private static final String[] TOPICS = {"a/b", "a/c", "z/b", "x/y"};

    private final BrokerState state = new BrokerState();
    private final Random random = new Random(9);
    private long nextId = 1;

    @Test
    void theRunningCountEqualsAFreshCountAfterEveryChange() {
        for (String c : CLIENTS) {
            state.apply(new Command.OpenSession(c, true, 3600, null));
            for (String f : FILTERS) {
                if (random.nextBoolean()) {
                    state.apply(new Command.Subscribe(c, f, SubscriptionOptions.ofQos(1 + random.nextInt(2)), List.of()));
                }
            }
        }
        for (int step = 0; step < 5000; step++) {
            change();
            assertConsistent();
        }
        drainEverything();
        assertThat(state.holdings().bytes()).isZero();
        assertThat(state.holdings().deliveries()).isZero();
        state.sessions().forEach(s -> assertThat(s.heldBytes()).as(s.clientId()).isZero());
    }

    private void change() {
        String c = CLIENTS[random.nextInt(CLIENTS.length)];
        SessionState s = state.session(c);
        switch (random.nextInt(10)) {
            case 0, 1, 2, 3 -> publish();
            case 4, 5 -> {
                if (!s.queue().isEmpty()) {
                    int packetId = s.nextFreePacketId();
                    state.apply(new Command.AssignOutbound(c, packetId, s.firstQueued().message().id()));
                }
            }
            case 6, 7 -> {
                if (!s.inflight().isEmpty()) {
                    state.apply(new Command.CompleteOutbound(c, s.inflight().keySet().iterator().next()));
                }
            }
            case 8 -> {
                if (!s.queue().isEmpty()) {
                    state.apply(new Command.Dequeue(c, s.queue().stream().reduce((a, b) -> b).orElseThrow().message().id()));
                }
            }
            default -> {
                if (random.nextInt(20) == 0) { // now and then a session ends and comes back
                    List<String> filters = new ArrayList<>(s.subscriptions().keySet());
                    state.apply(new Command.EndSession(c));
                    state.apply(new Command.OpenSession(c, true, 3600, null));
                    filters.forEach(f -> state.apply(new Command.Subscribe(c, f, SubscriptionOptions.ofQos(1), List.of())));
                }
            }
        }
    }

    private void publish() {
        String topic = TOPICS[random.nextInt(TOPICS.length)];
        Message m = new Message(nextId++, topic, 1, false, new byte[random.nextInt(300)], MessageProperties.NONE, 0);
        List<Command.Route> routes = new ArrayList<>();
        for (String c : CLIENTS) {
            boolean matches = state.session(c).subscriptions().keySet().stream()
                    .anyMatch(f -> io.cairn.topic.Topics.matches(f, topic));
            if (matches) {
                routes.add(new Command.Route(c, 1, false, new int[0]));
            }
        }
        state.apply(new Command.Publish("pub", 0, m, routes));
    }

    private void assertConsistent() {
        long bytes = state.holdings().bytes();
        long deliveries = state.holdings().deliveries();
        for (SessionState s : state.sessions()) {
            long sum = 0;
            for (Delivery d : s.queue()) {
                sum += d.cost();
            }
            for (SessionState.Inflight f : s.inflight().values()) {
                sum += f.delivery.cost() + Holdings.IN_FLIGHT_OVERHEAD;
            }
            assertThat(s.heldBytes()).as("bytes of %s", s.clientId()).isEqualTo(sum);
        }
        state.recountHoldings();
        assertThat(state.holdings().bytes()).as("running count vs a fresh count").isEqualTo(bytes);
        assertThat(state.holdings().deliveries()).isEqualTo(deliveries);
    }

    private void drainEverything() {
        for (SessionState s : state.sessions()) {
            String c = s.clientId();
            while (!s.queue().isEmpty()) {
                state.apply(new Command.AssignOutbound(c, s.nextFreePacketId(), s.firstQueued().message().id()));
            }
            for (Integer packetId : new ArrayList<>(s.inflight().keySet())) {
                state.apply(new Command.CompleteOutbound(c, packetId));
            }
        }
    }
}
