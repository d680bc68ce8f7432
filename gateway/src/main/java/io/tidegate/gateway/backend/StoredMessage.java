package io.tidegate.gateway.backend;

import io.tidegate.proto.v1.Message;

/**
 * A message as a backend hands it to a subscription. Immutable.
 *
 * @param deliveryCount 1 on first delivery; grows on each redelivery of a group message
 * @param acceptedNanos when the publishing gateway accepted it, Unix nanoseconds
 */
public record StoredMessage(StreamPosition position, Message message, long acceptedNanos, int deliveryCount) {

    public String orderingKey() {
        String key = message.getOrderingKey();
        return key.isEmpty() ? topic() : key;
    }

    /**
     * The message's topic, taken from its position: the same text, already a String. Asking the
     * parsed message instead ({@code getTopic()}) decodes its UTF-8 bytes into a new String, and
     * leaves the message holding that String, which its serialization into a delivery then has to
     * measure and encode again.
     */
    public String topic() {
        return position.topic();
    }
}
