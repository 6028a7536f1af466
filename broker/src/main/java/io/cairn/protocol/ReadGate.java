package io.cairn.protocol;

import io.netty.channel.Channel;

/**
 * Whether the broker reads from one client: reading stops while any reason holds and resumes when
 * none does. The reasons: the engine holds the client's work until a budget has room (MQTT 3.x
 * back-pressure), the engine's inbox is full, or the client does not read what is written to it.
 *
 * <p>Threading: the channel's event loop only.
 */
final class ReadGate {

    static final int HELD_BY_BUDGET = 1;
    static final int INBOX_FULL = 2;
    static final int NOT_READING_ITS_OWN = 4;

    private final Channel channel;
    private int reasons;

    ReadGate(Channel channel) {
        this.channel = channel;
    }

    boolean paused(int reason) {
        return (reasons & reason) != 0;
    }

    void pause(int reason) {
        reasons |= reason;
        channel.config().setAutoRead(false);
    }

    void resume(int reason) {
        reasons &= ~reason;
        if (reasons == 0) {
            channel.config().setAutoRead(true); // also asks for the next read
        }
    }
}
