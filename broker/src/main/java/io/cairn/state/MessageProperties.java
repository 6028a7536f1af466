package io.cairn.state;

import java.util.List;

/**
 * The MQTT 5 PUBLISH properties that travel with a message from publisher to subscribers unchanged
 * [MQTT-3.3.2-4, -15..-20]. Topic Alias and Subscription Identifier are per connection and are not
 * here; Message Expiry is held as an absolute time in {@link Message}.
 *
 * @param payloadFormat   Payload Format Indicator, or -1 when absent
 * @param contentType     Content Type, or null
 * @param responseTopic   Response Topic, or null
 * @param correlationData Correlation Data, or null
 * @param userProperties  User Properties in their original order
 * @param expiryInterval  the Message Expiry Interval as received in seconds, or -1 when absent
 *
 * <p>Threading: immutable.
 */
public record MessageProperties(int payloadFormat, String contentType, String responseTopic,
                                byte[] correlationData, List<UserProperty> userProperties,
                                long expiryInterval) {

    public static final MessageProperties NONE = new MessageProperties(-1, null, null, null, List.of(), -1);

    /** One User Property name/value pair. */
    public record UserProperty(String name, String value) {}

    public boolean isEmpty() {
        return payloadFormat < 0 && contentType == null && responseTopic == null && correlationData == null
                && userProperties.isEmpty() && expiryInterval < 0;
    }

    long footprint() {
        if (this == NONE) {
            return 0;
        }
        long n = 48;
        n += contentType == null ? 0 : 2L * contentType.length();
        n += responseTopic == null ? 0 : 2L * responseTopic.length();
        n += correlationData == null ? 0 : correlationData.length;
        for (UserProperty p : userProperties) {
            n += 32 + 2L * (p.name().length() + p.value().length());
        }
        return n;
    }
}
