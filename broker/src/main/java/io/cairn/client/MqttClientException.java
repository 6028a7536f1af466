package io.cairn.client;

import java.io.IOException;

/**
 * A refusal or a failure the user should read: the broker refused the connection, a subscription or a
 * message (the message names the reason code), or the connection was lost.
 *
 * <p>Threading: immutable.
 */
public final class MqttClientException extends IOException {

    public MqttClientException(String message) {
        super(message);
    }

    public MqttClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
