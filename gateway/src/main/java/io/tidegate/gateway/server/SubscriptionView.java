package io.tidegate.gateway.server;

import java.util.List;

/**
 * One subscription of a client stream as the operations console shows it: a moment's copy,
 * immutable, safe to hand to any thread.
 *
 * @param patterns          the topic patterns it follows
 * @param group             the consumer group, empty for a broadcast subscription
 * @param credit            messages the client may still be sent
 * @param heldMessages      received from the backend and not yet taken by the stream (the backlog in gateway memory)
 * @param heldBytes         their bytes
 * @param written           messages that left for the stream since it opened
 * @param redelivered       group messages among them that had been delivered before
 * @param lastWrittenMillis epoch millis of the last message that left, or of the opening when none did
 */
public record SubscriptionView(String id, List<String> patterns, String group, boolean conflated, long credit,
                               long heldMessages, long heldBytes, long written, long redelivered,
                               long lastWrittenMillis) {
}
