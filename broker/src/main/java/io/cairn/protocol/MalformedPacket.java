package io.cairn.protocol;

/** Placeholder until the strict decoder lands: a decode failure with its 5.0 reason code. */
public record MalformedPacket(int reasonCode, String reason, boolean inConnect) {
}
