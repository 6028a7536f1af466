package io.cairn.protocol;

import io.cairn.engine.Outbound;

import java.util.HashSet;
import java.util.Set;

/**
 * The broker's Receive Maximum for one MQTT 5 client: QoS 1/2 PUBLISHes that were received and not
 * yet acknowledged (PUBACK, PUBCOMP or a negative PUBREC sent). One more than the maximum is a
 * protocol violation, 0x93 [MQTT-3.3.4-7]. 3.x clients do not know the maximum; they are held back by
 * the journal instead.
 *
 * <p>Threading: one instance per connection, on its event loop.
 */
final class InboundQuota {

    private final int maximum;
    /** Made on the first QoS 1/2 PUBLISH: most connections of a subscriber never need it. */
    private Set<Integer> unacknowledged;

    InboundQuota(int maximum) {
        this.maximum = maximum;
    }

    /** Counts a received QoS 1/2 PUBLISH (a re-sent packet id counts once). */
    void received(int packetId) {
        if (unacknowledged == null) {
            unacknowledged = new HashSet<>();
        }
        if (unacknowledged.add(packetId) && unacknowledged.size() > maximum) {
            throw new ProtocolViolation(ReasonCodes.RECEIVE_MAXIMUM_EXCEEDED, "receive maximum exceeded");
        }
    }

    /** Frees the slot of a PUBLISH whose flow this event ends. */
    void sent(Outbound event) {
        if (unacknowledged != null && event instanceof Outbound.Ack a && ends(a)) {
            unacknowledged.remove(a.packetId());
        }
    }

    private static boolean ends(Outbound.Ack a) {
        return switch (a.type()) {
            case PUBACK, PUBCOMP -> true;
            case PUBREC -> a.result() != Outbound.AckResult.SUCCESS;
            case PUBREL -> false;
        };
    }
}
