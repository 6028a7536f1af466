package io.cairn.protocol;

/**
 * Raised while {@link MqttPacketDecoder} parses one packet: the packet is refused with this 5.0
 * reason code (0x81 Malformed Packet or 0x82 Protocol Error); the decoder turns it into a
 * {@link MalformedPacket}. Carries no stack trace, since it is control flow, not a bug.
 *
 * <p>Threading: immutable; thrown and caught on the decoding channel's event loop.
 */
final class Malformed extends RuntimeException {

    final int code;

    Malformed(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }
}
