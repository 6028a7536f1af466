package io.cairn.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Readers of the MQTT data representations (section 1.5 of the 5.0 specification, 1.5 of 3.1.1)
 * that {@link MqttPacketDecoder} and {@link PropertyDecoder} share. A field that runs past the end
 * of the buffer throws {@link IndexOutOfBoundsException}; an invalid one throws {@link Malformed}.
 *
 * <p>Threading: static methods without shared state; the strict UTF-8 decoder is per thread.
 */
final class Fields {

    static final int MAX_VARIABLE_BYTE_INT = 268_435_455;

    private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));

    private Fields() {
    }

    /** Two-byte length, then that many bytes. */
    static byte[] binary(ByteBuf b) {
        int n = b.readUnsignedShort();
        byte[] out = new byte[n];
        b.readBytes(out);
        return out;
    }

    /** A length-prefixed UTF-8 string, strictly: ill-formed sequences, surrogates and U+0000 are malformed. */
    static String string(ByteBuf b) {
        int n = b.readUnsignedShort();
        ByteBuffer bytes = b.nioBuffer(b.readerIndex(), n);
        b.skipBytes(n);
        String s;
        try {
            s = UTF8.get().reset().decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "ill-formed UTF-8 string"); // [MQTT-1.5.3-1]
        }
        if (s.indexOf('\u0000') >= 0) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "U+0000 in a string"); // [MQTT-1.5.3-2]
        }
        return s;
    }

    /** A 5.0 Variable Byte Integer, minimally encoded [MQTT-1.5.5-1]. */
    static int varInt(ByteBuf b) {
        int value = 0;
        int multiplier = 1;
        for (int i = 0; i < 4; i++) {
            int digit = b.readUnsignedByte();
            value += (digit & 0x7F) * multiplier;
            if ((digit & 0x80) == 0) {
                if (i > 0 && digit == 0) {
                    throw new Malformed(ReasonCodes.MALFORMED_PACKET, "variable byte integer not minimally encoded");
                }
                return value;
            }
            multiplier *= 128;
        }
        throw new Malformed(ReasonCodes.MALFORMED_PACKET, "variable byte integer longer than 4 bytes");
    }
}
