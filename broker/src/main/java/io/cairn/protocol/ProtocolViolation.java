package io.cairn.protocol;

/**
 * A packet that breaks a rule of the protocol after CONNECT: the connection is closed, with a 5.0
 * DISCONNECT carrying {@link #reasonCode} first. Thrown by the per-connection rules (topic aliases,
 * the inbound quota) to the handler, which does the closing.
 *
 * <p>Threading: immutable; no stack trace (it is control flow, not a bug).
 */
final class ProtocolViolation extends RuntimeException {

    final int reasonCode;

    ProtocolViolation(int reasonCode, String reason) {
        super(reason, null, false, false);
        this.reasonCode = reasonCode;
    }
}
