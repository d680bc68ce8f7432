package io.tidegate.sdk;

/** Who acknowledges the messages of a GROUP subscription. Broadcast subscriptions need no acks. */
public enum AckMode {
    /**
     * The client acks a message when the handler returns normally and nacks it (with the
     * subscription's retry delay) when the handler throws.
     */
    AUTO,
    /**
     * The handler calls {@link ReceivedMessage#ack()} or {@link ReceivedMessage#nack}; a message
     * left unacked is redelivered after the ack deadline. A handler that throws still nacks.
     */
    MANUAL
}
