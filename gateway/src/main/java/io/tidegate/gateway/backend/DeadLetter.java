package io.tidegate.gateway.backend;

import io.tidegate.proto.v1.Message;

/**
 * The dead-letter copy of a group message that ran out of deliveries, the same for every
 * backend and for strict-order subscriptions: a normal message on {@code dlq.<group>.<topic>}
 * (subscribable, replayable, trimmed like any other) that keeps the original id, payload and
 * headers and says where it came from in extra headers. Stateless; thread-safe.
 */
public final class DeadLetter {

    /** Header: the topic the message was published to. */
    public static final String TOPIC_HEADER = "tidegate-dlq-topic";
    /** Header: the message's entry id in that topic. */
    public static final String ENTRY_ID_HEADER = "tidegate-dlq-entry-id";
    /** Header: the group that gave up on it. */
    public static final String GROUP_HEADER = "tidegate-dlq-group";
    /** Header: how many times it was delivered without an ack. */
    public static final String DELIVERIES_HEADER = "tidegate-dlq-deliveries";

    private DeadLetter() {
    }

    public static String topicFor(String group, String topic) {
        return "dlq." + group + "." + topic;
    }

    /** The copy to append; {@code deliveries} is how often it went out unacked. */
    public static Envelope of(StoredMessage dead, String group, int deliveries) {
        String dlqTopic = topicFor(group, dead.position().topic());
        Message copy = dead.message().toBuilder()
                .setTopic(dlqTopic)
                .putHeaders(TOPIC_HEADER, dead.position().topic())
                .putHeaders(ENTRY_ID_HEADER, dead.position().entryId().toString())
                .putHeaders(GROUP_HEADER, group)
                .putHeaders(DELIVERIES_HEADER, Integer.toString(deliveries))
                .build();
        String key = dead.message().getOrderingKey().isEmpty() ? dlqTopic : dead.message().getOrderingKey();
        return new Envelope(copy, key, dead.acceptedNanos());
    }
}
