package io.tidegate.sdk;

/**
 * Receives the messages of one subscription. The client calls it on its handler executor, never
 * on a gRPC thread, one message at a time per subscription, in delivery order (so per-key order
 * holds). A handler may block; while it does, the subscription receives nothing new beyond its
 * credit. Throwing nacks the message. A BROADCAST subscriber that falls behind retention is
 * told of the hole with {@link #onGap}, in order with its messages.
 */
@FunctionalInterface
public interface MessageHandler {

    void onMessage(ReceivedMessage message) throws Exception;

    /**
     * BROADCAST: messages were trimmed by retention before this subscriber read them (it was too
     * slow, paused, or started at a position no longer retained). Called like {@link #onMessage},
     * in delivery order: after the messages before the hole, before the first one after it. The
     * default logs a warning; override it to resynchronise (e.g. fetch a snapshot) or to stop.
     * Throwing is logged and changes nothing.
     */
    default void onGap(RetentionGap gap) throws Exception {
        org.slf4j.LoggerFactory.getLogger(MessageHandler.class).warn("subscription {}: {} messages of {} after {} were "
                        + "trimmed by retention before they were read; delivery goes on at {}", gap.subscriptionId(),
                gap.lost().isPresent() ? gap.lost().getAsLong() : "some", gap.topic(),
                gap.from().map(StreamPosition::toString).orElse("the start"), gap.to());
    }
}
