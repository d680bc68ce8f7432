package io.tidegate.sdk;

/**
 * The gateway's acknowledgement of one published message: the backend stored it at
 * {@code position}. {@code duplicate} is true when a message with the same id had been accepted
 * earlier (within the gateway's dedup window); {@code position} is then the original one and the
 * message is not delivered twice. {@code spooled} is true when the backend was down and the
 * gateway made the message durable in its local spool instead: it is acknowledged (it will reach
 * the backend, in order, when the backend returns) but has no position yet, so {@code position}
 * is null. Immutable.
 */
public record PublishReceipt(String messageId, StreamPosition position, boolean duplicate, boolean spooled) {
}
