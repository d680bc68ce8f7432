package io.tidegate.gateway.backend;

import io.tidegate.proto.v1.Message;

/**
 * A validated message on its way into a backend. The message's priority field already holds
 * the effective priority the {@code Prioritizer} chose; {@code orderingKey} is never empty
 * (it defaults to the topic). Immutable.
 *
 * @param acceptedNanos when the gateway accepted the publish, Unix nanoseconds
 */
public record Envelope(Message message, String orderingKey, long acceptedNanos) {

    public String topic() {
        return message.getTopic();
    }

    public String id() {
        return message.getId();
    }
}
