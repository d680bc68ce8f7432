package io.tidegate.otel;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.tidegate.proto.v1.Message;

/**
 * Trace context in {@code Message.headers}: the W3C keys {@code traceparent}, {@code tracestate}
 * and {@code baggage} (lowercase) travel there from publisher through gateway and backend to
 * subscriber. Publishers inject, the gateway extracts and re-injects the context of its own spans,
 * subscribers extract. Stateless and thread-safe.
 */
public final class MessageHeaders {

    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    public static final String BAGGAGE = "baggage";

    /** Reads headers of a message. */
    public static final TextMapGetter<Message> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Message carrier) {
            return carrier.getHeadersMap().keySet();
        }

        @Override
        public String get(Message carrier, String key) {
            return carrier == null ? null : carrier.getHeadersOrDefault(key, null);
        }
    };

    /** Writes headers of a message being built. */
    public static final TextMapSetter<Message.Builder> SETTER = (carrier, key, value) -> {
        if (carrier != null) {
            carrier.putHeaders(key, value);
        }
    };

    private MessageHeaders() {
    }

    /** True when the message carries a W3C trace context (cheap: one map lookup). */
    public static boolean hasTraceContext(Message message) {
        return message.containsHeaders(TRACEPARENT);
    }

    /** The context the message's headers carry, on top of {@code base}. */
    public static Context extract(TextMapPropagator propagator, Context base, Message message) {
        return propagator.extract(base, message, GETTER);
    }

    /**
     * The message with its trace headers replaced by {@code context}'s, so the next hop becomes a
     * child of that span. A stale {@code tracestate} of the old parent does not survive. Returns
     * the message itself when the context has no valid span (nothing to write).
     */
    public static Message withContext(TextMapPropagator propagator, Context context, Message message) {
        if (!io.opentelemetry.api.trace.Span.fromContext(context).getSpanContext().isValid()) {
            return message;
        }
        Message.Builder b = message.toBuilder().removeHeaders(TRACEPARENT).removeHeaders(TRACESTATE);
        propagator.inject(context, b, SETTER);
        return b.build();
    }
}
