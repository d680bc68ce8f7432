package io.tidegate.gateway.backend.redis;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.proto.v1.Message;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Builds and appends the dead-letter copy of a group message that ran out of deliveries. The
 * copy is a normal message on topic {@code dlq.<group>.<topic>} (so it can be subscribed to,
 * replayed and trimmed like any other), keeps the original id (a retried move is deduplicated)
 * and says where it came from in headers. Stateless; thread-safe.
 */
final class DeadLetters {

    /** Header: the topic the message was published to. */
    static final String ORIGINAL_TOPIC = "tidegate-dlq-topic";
    /** Header: the message's entry id in that topic. */
    static final String ORIGINAL_ENTRY_ID = "tidegate-dlq-entry-id";
    /** Header: how many times it was delivered without an ack. */
    static final String DELIVERIES = "tidegate-dlq-deliveries";

    private DeadLetters() {
    }

    static CompletableFuture<List<AppendResult>> append(RedisStreamWriter writer, String dlqTopic, StoredMessage dead) {
        Message original = dead.message();
        Message copy = original.toBuilder()
                .setTopic(dlqTopic)
                .putHeaders(ORIGINAL_TOPIC, dead.position().topic())
                .putHeaders(ORIGINAL_ENTRY_ID, dead.position().entryId().toString())
                .putHeaders(DELIVERIES, Integer.toString(dead.deliveryCount() - 1))
                .build();
        String orderingKey = original.getOrderingKey().isEmpty() ? dlqTopic : original.getOrderingKey();
        return writer.append(List.of(new Envelope(copy, orderingKey, System.currentTimeMillis() * 1_000_000L)));
    }
}
