package io.cairn.protocol;

/** Placeholder until the strict decoder lands: CONNECT with a known name but unsupported level. */
public record UnsupportedProtocolVersion(String name, int level) {
}
