package io.tidegate.gateway.backend;

import io.opentelemetry.context.Context;
import io.tidegate.proto.v1.Message;

/**
 * A validated message on its way into a backend. The message's priority field already holds
 * the effective priority the {@code Prioritizer} chose; {@code orderingKey} is never empty
 * (it defaults to the topic). Immutable.
 *
 * @param acceptedNanos when the gateway accepted the publish, Unix nanoseconds
 * @param trace         the context of the gateway's ingress span when the message is sampled, else
 *                      null. It rides with the envelope, not in the headers, so that the append
 *                      span (its child) needs no header parse, and the append's per-message "is
 *                      this traced?" check reads this field instead of every message's headers.
 *                      Backends never store it: the append span writes its own context into the
 *                      headers, where the replica that reads the entry finds it.
 * @param volatileInstrument the regime-aware priority rules found the message's instrument
 *                      VOLATILE when they looked it up at ingress (a scheduling hint for the
 *                      dispatch policy's state; false when no rule asked). Never stored.
 */
public record Envelope(Message message, String orderingKey, long acceptedNanos, Context trace,
                       boolean volatileInstrument) {

    /** An envelope the gateway does not trace (or whose trace context is in its headers already). */
    public Envelope(Message message, String orderingKey, long acceptedNanos) {
        this(message, orderingKey, acceptedNanos, null, false);
    }

    /** An envelope with no regime hint. */
    public Envelope(Message message, String orderingKey, long acceptedNanos, Context trace) {
        this(message, orderingKey, acceptedNanos, trace, false);
    }

    public String topic() {
        return message.getTopic();
    }

    public String id() {
        return message.getId();
    }
}
