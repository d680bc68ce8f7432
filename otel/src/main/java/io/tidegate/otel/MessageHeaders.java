package io.tidegate.otel;

import com.google.protobuf.MapField;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.tidegate.proto.v1.Message;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

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

    /** Length of a version-00 {@code traceparent}: {@code 00-<32 hex>-<16 hex>-<2 hex flags>}. */
    private static final int TRACEPARENT_LENGTH = 55;

    /**
     * The generated {@code Message.headers_} field, null while the message has no headers. Every
     * public accessor of an empty protobuf map field allocates a fresh empty map wrapper (several
     * objects), and tracing asks each message up to five times per hop whether it carries trace
     * context, so reading the field directly keeps untraced messages allocation-free. Null when
     * the generated code has no such field (then the public accessors are used).
     */
    private static final VarHandle HEADERS = headersField();

    private MessageHeaders() {
    }

    /** True when the message carries a W3C trace context (no allocation when it has no headers). */
    public static boolean hasTraceContext(Message message) {
        return !headersEmpty(message) && message.containsHeaders(TRACEPARENT);
    }

    /**
     * True when the message carries a W3C trace context whose sampled flag is set, read from the
     * {@code traceparent} characters without parsing it into a context: an untraced or unsampled
     * message costs a field read or one map lookup.
     */
    public static boolean hasSampledTraceContext(Message message) {
        return !headersEmpty(message) && isSampled(message.getHeadersOrDefault(TRACEPARENT, ""));
    }

    /** True when the header is well-formed enough to have flags and the sampled bit is set. */
    static boolean isSampled(String traceparent) {
        if (traceparent.length() < TRACEPARENT_LENGTH) {
            return false;
        }
        int digit = Character.digit(traceparent.charAt(TRACEPARENT_LENGTH - 1), 16);
        return digit >= 0 && (digit & 1) == 1;
    }

    /** True when the message has no headers at all; false when unsure. */
    static boolean headersEmpty(Message message) {
        if (HEADERS == null) {
            return message.getHeadersCount() == 0;
        }
        // null until headers are set; a message built through toBuilder() carries an empty field instead
        MapField<?, ?> headers = (MapField<?, ?>) HEADERS.get(message);
        return headers == null || headers.getMap().isEmpty();
    }

    /** Whether {@link #headersEmpty} reads the field (true) or falls back to the public accessors. */
    static boolean readsHeadersField() {
        return HEADERS != null;
    }

    private static VarHandle headersField() {
        try {
            var field = Message.class.getDeclaredField("headers_");
            return MethodHandles.privateLookupIn(Message.class, MethodHandles.lookup()).unreflectVarHandle(field);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** The context the message's headers carry, on top of {@code base}. */
    public static Context extract(TextMapPropagator propagator, Context base, Message message) {
        return propagator.extract(base, message, GETTER);
    }

    /**
     * The sampled context the message's {@code traceparent} and {@code tracestate} headers carry,
     * without the propagator's hex strings; null when there is none, it is malformed or it is not
     * sampled.
     */
    public static PackedSpanContext sampledContext(Message message) {
        return PackedSpanContext.fromTraceParent(message.getHeadersOrDefault(TRACEPARENT, null),
                message.getHeadersOrDefault(TRACESTATE, null));
    }

    /**
     * The message with {@code traceparent} and {@code tracestate} naming {@code context} (a stale
     * {@code tracestate} does not survive), and {@code baggage} written when not empty; any other
     * header, a {@code baggage} already there among them, is kept.
     */
    public static Message withContext(PackedSpanContext context, Baggage baggage, Message message) {
        Message.Builder b = message.toBuilder().putHeaders(TRACEPARENT, context.toTraceParent());
        String state = context.traceStateHeader();
        if (state != null) {
            b.putHeaders(TRACESTATE, state);
        } else {
            b.removeHeaders(TRACESTATE);
        }
        if (!baggage.isEmpty()) {
            W3CBaggagePropagator.getInstance().inject(Context.root().with(baggage), b, SETTER);
        }
        return b.build();
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
