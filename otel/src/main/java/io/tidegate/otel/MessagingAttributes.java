package io.tidegate.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.tidegate.proto.v1.Message;

/**
 * The span names and attributes Tidegate's spans share, after the OpenTelemetry messaging
 * semantic conventions, used alike by the gateway and the SDKs so one trace reads the same
 * across languages. Stateless.
 *
 * <p>Span names are {@code "<operation> <topic>"}: {@code publish} (SDK, PRODUCER),
 * {@code receive} (gateway ingress, SERVER), {@code append} (gateway backend append, CLIENT),
 * {@code deliver} (gateway delivery to a subscriber, PRODUCER), {@code process} (SDK handler,
 * CONSUMER).
 */
public final class MessagingAttributes {

    public static final String SYSTEM = "tidegate";

    public static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    public static final AttributeKey<String> DESTINATION_NAME = AttributeKey.stringKey("messaging.destination.name");
    public static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    public static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    public static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    public static final AttributeKey<Long> BATCH_MESSAGE_COUNT = AttributeKey.longKey("messaging.batch.message_count");
    public static final AttributeKey<String> CONSUMER_GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    public static final AttributeKey<String> PRIORITY = AttributeKey.stringKey("tidegate.priority");

    /** Operation names (the first word of a span name). */
    public static final String PUBLISH = "publish";
    public static final String RECEIVE = "receive";
    public static final String APPEND = "append";
    public static final String DELIVER = "deliver";
    public static final String PROCESS = "process";

    private MessagingAttributes() {
    }

    /**
     * Names a span {@code "<operation> <topic>"} and sets the per-message attributes, only when
     * it is recording: unsampled spans are started under the bare operation name, so they cost no
     * string or attribute building.
     *
     * @param operationType {@code send}, {@code receive} or {@code process}
     */
    public static void describe(Span span, String operation, String operationType, Message m) {
        if (!span.isRecording()) {
            return;
        }
        span.updateName(operation + " " + m.getTopic());
        span.setAttribute(MESSAGING_SYSTEM, SYSTEM);
        span.setAttribute(DESTINATION_NAME, m.getTopic());
        span.setAttribute(OPERATION_TYPE, operationType);
        span.setAttribute(OPERATION_NAME, operation);
        if (!m.getId().isEmpty()) {
            span.setAttribute(MESSAGE_ID, m.getId());
        }
        span.setAttribute(PRIORITY, priorityName(m));
    }

    /** The priority as its name without prefix ("CRITICAL" ... "BULK"); unspecified is NORMAL. */
    public static String priorityName(Message m) {
        return switch (m.getPriority()) {
            case PRIORITY_CRITICAL -> "CRITICAL";
            case PRIORITY_HIGH -> "HIGH";
            case PRIORITY_LOW -> "LOW";
            case PRIORITY_BULK -> "BULK";
            default -> "NORMAL";
        };
    }
}
