package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.priority.Prioritizer;
import io.tidegate.gateway.routing.InvalidTopicException;
import io.tidegate.gateway.routing.TopicName;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.time.Clock;
import java.time.Instant;

/**
 * Checks one published message against the limits and turns it into an {@link Envelope} with
 * its effective priority. Stateless apart from its configuration; thread-safe.
 */
final class MessageValidator {

    static final int MAX_ID_LENGTH = 256;
    static final int MAX_KEY_LENGTH = 1024;

    private final GatewayConfig.Limits limits;
    private final Prioritizer prioritizer;
    private final Clock clock;

    MessageValidator(GatewayConfig.Limits limits, Prioritizer prioritizer, Clock clock) {
        this.limits = limits;
        this.prioritizer = prioritizer;
        this.clock = clock;
    }

    Envelope toEnvelope(Message m) throws FrameRejectedException {
        try {
            TopicName.validate(m.getTopic(), limits.maxTopicLength());
        } catch (InvalidTopicException e) {
            throw FrameRejectedException.invalid(e.getMessage());
        }
        int priority = m.getPriorityValue();
        if (priority < 0 || priority > Priority.PRIORITY_BULK_VALUE) {
            throw FrameRejectedException.invalid("priority " + priority
                    + " is unknown; use PRIORITY_CRITICAL(1), PRIORITY_HIGH(2), PRIORITY_NORMAL(3), PRIORITY_LOW(4) or PRIORITY_BULK(5)");
        }
        if (m.getPayload().size() > limits.maxPayloadBytes()) {
            throw FrameRejectedException.invalid("payload is " + m.getPayload().size()
                    + " bytes; the limit is " + limits.maxPayloadBytes() + " (limits.max-payload-bytes)");
        }
        if (m.getHeadersCount() > limits.maxHeaders()) {
            throw FrameRejectedException.invalid("message has " + m.getHeadersCount()
                    + " headers; the limit is " + limits.maxHeaders() + " (limits.max-headers)");
        }
        if (m.getId().length() > MAX_ID_LENGTH) {
            throw FrameRejectedException.invalid("message id is " + m.getId().length()
                    + " characters; the limit is " + MAX_ID_LENGTH);
        }
        if (m.getOrderingKey().length() > MAX_KEY_LENGTH) {
            throw FrameRejectedException.invalid("ordering key is " + m.getOrderingKey().length()
                    + " characters; the limit is " + MAX_KEY_LENGTH);
        }
        int decision = prioritizer.decide(m);
        Priority effective = Priority.forNumber(decision & ~Prioritizer.VOLATILE);
        boolean unchanged = effective == m.getPriority()
                || (effective == Priority.PRIORITY_NORMAL && m.getPriority() == Priority.PRIORITY_UNSPECIFIED);
        Message stored = unchanged ? m : reprioritized(m, effective);
        String key = m.getOrderingKey().isEmpty() ? m.getTopic() : m.getOrderingKey();
        return new Envelope(stored, key, nowNanos(), null, (decision & Prioritizer.VOLATILE) != 0);
    }

    private static Message reprioritized(Message m, Priority effective) {
        Message.Builder b = m.toBuilder().setPriority(effective);
        if (m.getHeadersCount() == 0) {
            // toBuilder() marks the headers set even when there are none; cleared, the copy carries
            // no empty map, so it allocates less and every later "has trace context?" check is a
            // null check instead of reads of three cold objects
            b.clearHeaders();
        }
        return b.build();
    }

    private long nowNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
