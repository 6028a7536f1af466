package io.cairn.engine;

import io.cairn.state.MessageProperties;

/**
 * A PUBLISH as the protocol handler validated it: topic alias resolved, payload copied to the heap.
 *
 * <p>Threading: immutable.
 */
public record InboundPublish(String topic, int qos, boolean retain, int packetId, byte[] payload,
                             MessageProperties properties) {
}
