package io.tidegate.sdk;

import io.tidegate.proto.v1.Message;
import java.time.Duration;

/**
 * One delivered message with the means to settle it. Handed to a {@link MessageHandler}; its
 * methods are thread-safe and may be called after the handler returned (manual ack). Acks,
 * nacks and deadline extensions only matter for GROUP subscriptions and are ignored for
 * BROADCAST ones; only the first ack or nack of a message counts.
 */
public interface ReceivedMessage {

    /** The message as published. */
    Message message();

    /** Where the message sits in its topic's stream. */
    StreamPosition position();

    /** 1 on first delivery, more when the gateway redelivers it. */
    int deliveryCount();

    /** When the gateway accepted the publish (Unix ns). */
    long tsAcceptedNanos();

    /**
     * Conflated subscriptions: how many older messages of this key the gateway dropped because
     * this one superseded them while the subscriber was behind. 0 otherwise.
     */
    default long conflatedBefore() {
        return 0;
    }

    /** The id of the subscription that received it. */
    String subscriptionId();

    /** Acknowledges the message: it will not be delivered again. */
    void ack();

    /** Asks the gateway to redeliver the message after {@code delay} (zero: at once). */
    void nack(Duration delay);

    /** Asks for more time to process the message before it is redelivered. */
    void extendDeadline(Duration extension);

    /** True once {@link #ack()} or {@link #nack} was called. */
    boolean isSettled();
}
