package io.tidegate.gateway.telemetry;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.otel.MessageHeaders;
import io.tidegate.otel.MessagingAttributes;
import io.tidegate.otel.PackedSpanContext;
import io.tidegate.otel.RootSampling;
import io.tidegate.otel.Telemetry;
import io.tidegate.proto.v1.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's spans, after the messaging conventions: {@code receive <topic>} (SERVER) when a
 * publish arrives, {@code append <topic>} (CLIENT) around the backend append, {@code deliver
 * <topic>} (PRODUCER) when the message is written to a subscriber's stream. The receive span rides
 * in the {@link Envelope}'s context to the append; the append and deliver spans' contexts replace
 * {@code traceparent} in the message headers, so the next hop (the replica that reads the stored
 * entry, the subscriber) becomes their child.
 *
 * <p>Only sampled messages cost anything beyond a field read: with tracing off every method
 * returns at once, an unsampled incoming context is never parsed, a publish without context is
 * recorded only when the ratio draw ({@link RootSampling}) starts a trace, and a delivery starts
 * no trace of its own. A sampled message's spans are {@link RecordedSpan}s, not the SDK's, so
 * recording one touches little on these hot threads; they are exported through the same span
 * processor as the SDK's. Thread-safe.
 */
public final class GatewayTracing {

    /** A tracing that records nothing. */
    public static final GatewayTracing OFF = new GatewayTracing(null);

    /** The receive span of a traced envelope, in its {@link Envelope#trace()} context. */
    private static final ContextKey<RecordedSpan> RECEIVE_SPAN = ContextKey.named("tidegate-receive-span");

    private final RecordedSpan.Origin origin;
    private final RootSampling roots;

    /** The gateway's tracing on this set-up (records nothing when its tracing is off). */
    public static GatewayTracing of(Telemetry telemetry) {
        return new GatewayTracing(telemetry);
    }

    GatewayTracing(Telemetry telemetry) {
        boolean on = telemetry != null && telemetry.tracingEnabled();
        this.origin = on ? new RecordedSpan.Origin(telemetry.spanProcessor(), telemetry.resource(),
                InstrumentationScopeInfo.create("io.tidegate.gateway"), Clock.getDefault()) : null;
        this.roots = on ? telemetry.rootSampling() : null;
    }

    public boolean enabled() {
        return origin != null;
    }

    /**
     * Starts the ingress span of a validated publish. Its parent is the message's header context,
     * else {@code fallback} (trace context of a unary call's metadata), else none (a new trace,
     * at the sampling ratio, when {@code startTrace} allows it).
     *
     * @return the span (end it when the publish is answered) and the envelope to queue, which
     *         carries the span when it is sampled; {@link Ingress#NONE} when tracing is off or the
     *         message is not sampled. The message's headers are left as they are.
     */
    public Ingress receive(Envelope envelope, Context fallback, boolean startTrace) {
        if (origin == null) {
            return Ingress.NONE;
        }
        Message m = envelope.message();
        PackedSpanContext parent = null;
        Context carried = fallback != null ? fallback : Context.root();
        if (MessageHeaders.hasTraceContext(m)) {
            if (!MessageHeaders.hasSampledTraceContext(m)) {
                return Ingress.NONE; // the publisher decided: not sampled, and its header says so downstream
            }
            parent = MessageHeaders.sampledContext(m); // null if malformed: then as if it had none
            carried = Context.root(); // the header's baggage stays in the header
        }
        PackedSpanContext context;
        if (parent != null) {
            context = parent.newChild();
        } else if (fallback != null && Span.fromContext(fallback).getSpanContext().isValid()) {
            SpanContext metadata = Span.fromContext(fallback).getSpanContext();
            if (!metadata.isSampled()) {
                return Ingress.NONE;
            }
            parent = PackedSpanContext.of(metadata);
            context = parent.newChild();
        } else if (startTrace && roots.sample()) {
            context = PackedSpanContext.newTrace();
        } else {
            return Ingress.NONE; // no new trace here, or not sampled: nothing recorded
        }
        RecordedSpan span = new RecordedSpan(origin, context, parent, MessagingAttributes.RECEIVE, SpanKind.SERVER, "receive", m);
        return new Ingress(span, new Envelope(m, envelope.orderingKey(), envelope.acceptedNanos(), carried.with(RECEIVE_SPAN, span),
                envelope.volatileInstrument()));
    }

    /**
     * Starts the append spans of the sampled messages of a backend batch (children of their
     * ingress spans, which their envelopes carry) and, for a batch with several sampled messages,
     * one batch span ({@code append}, {@code messaging.batch.message_count}) linked to each of
     * them. Returns the batch to append, with headers naming the append spans, and the spans to
     * end; null when no message of the batch is sampled.
     */
    public Append append(List<Envelope> batch) {
        if (origin == null) {
            return null;
        }
        List<Envelope> traced = null;
        RecordedSpan[] spans = null;
        int sampled = 0;
        for (int i = 0; i < batch.size(); i++) {
            Envelope e = batch.get(i);
            RecordedSpan receive = e.trace() == null ? null : e.trace().get(RECEIVE_SPAN);
            if (receive == null) {
                continue;
            }
            if (traced == null) {
                traced = new ArrayList<>(batch); // the list type the backend sees untraced, so its calls stay monomorphic
                spans = new RecordedSpan[batch.size()];
            }
            Message m = e.message();
            PackedSpanContext parent = receive.context();
            RecordedSpan span = new RecordedSpan(origin, parent.newChild(), parent, MessagingAttributes.APPEND,
                    SpanKind.CLIENT, "send", m);
            spans[i] = span;
            traced.set(i, new Envelope(MessageHeaders.withContext(span.context(), Baggage.fromContext(e.trace()), m),
                    e.orderingKey(), e.acceptedNanos()));
            sampled++;
        }
        if (traced == null) {
            return null;
        }
        RecordedSpan batchSpan = sampled > 1 ? batchSpan(batch.size(), spans, sampled) : null;
        return new Append(traced, spans, batchSpan);
    }

    /**
     * One span for the whole backend call, linked to every sampled message's append span. It is
     * the child of the first of them, so it belongs to a sampled trace.
     */
    private RecordedSpan batchSpan(int size, RecordedSpan[] spans, int sampled) {
        PackedSpanContext[] links = new PackedSpanContext[sampled];
        int n = 0;
        for (RecordedSpan s : spans) {
            if (s != null) {
                links[n++] = s.context();
            }
        }
        RecordedSpan span = new RecordedSpan(origin, links[0].newChild(), links[0], MessagingAttributes.APPEND,
                SpanKind.CLIENT, "send", null);
        span.batch(size, links);
        return span;
    }

    /**
     * The message as written to a subscriber: when its stored headers carry a sampled context,
     * a {@code deliver} span (child of that context) is recorded and its context replaces
     * {@code traceparent}; otherwise the message itself. Never starts a trace.
     */
    public Message deliver(Message m, String subscriptionId) {
        if (origin == null || !MessageHeaders.hasSampledTraceContext(m)) {
            return m;
        }
        PackedSpanContext parent = MessageHeaders.sampledContext(m);
        if (parent == null) {
            return m;
        }
        RecordedSpan span = new RecordedSpan(origin, parent.newChild(), parent, MessagingAttributes.DELIVER,
                SpanKind.PRODUCER, "send", m);
        span.subscription(subscriptionId);
        Message out = MessageHeaders.withContext(span.context(), Baggage.empty(), m);
        span.end();
        return out;
    }

    /** The ingress span of one publish and the envelope to queue. */
    public static final class Ingress {

        static final Ingress NONE = new Ingress(null, null);

        private final RecordedSpan span;
        private final Envelope envelope;

        private Ingress(RecordedSpan span, Envelope envelope) {
            this.span = span;
            this.envelope = envelope;
        }

        /** True when the publish is traced (it has a span to end). */
        public boolean sampled() {
            return span != null;
        }

        /** The envelope to queue: the traced one, else {@code original}. */
        public Envelope envelopeOr(Envelope original) {
            return envelope != null ? envelope : original;
        }

        /** Ends the span: the publish was stored (or spooled). */
        public void stored(boolean spooled, boolean duplicate) {
            if (span != null) {
                span.stored(spooled, duplicate);
                span.end();
            }
        }

        /** Ends the span: the publish failed with this reason. */
        public void failed(String reason) {
            if (span != null) {
                span.failed(reason);
                span.end();
            }
        }

        /** The context of the span, for logs; the current one when there is no span. */
        public Context context() {
            return span == null ? Context.current() : Context.current().with(Span.wrap(span.context()));
        }
    }

    /** The append spans of one backend batch and the batch to append. */
    public static final class Append {

        private final List<Envelope> batch;
        private final RecordedSpan[] spans; // null entries: messages not sampled
        private final RecordedSpan batchSpan;

        private Append(List<Envelope> batch, RecordedSpan[] spans, RecordedSpan batchSpan) {
            this.batch = batch;
            this.spans = spans;
            this.batchSpan = batchSpan;
        }

        /** The batch to append: the sampled messages' headers name their append spans. */
        public List<Envelope> batch() {
            return batch;
        }

        /** Ends every span; {@code error} null when the backend took the batch. */
        public void end(Throwable error) {
            for (RecordedSpan s : spans) {
                if (s != null) {
                    end(s, error);
                }
            }
            if (batchSpan != null) {
                end(batchSpan, error);
            }
        }

        private static void end(RecordedSpan s, Throwable error) {
            if (error != null) {
                s.failed(String.valueOf(error.getMessage()));
            }
            s.end();
        }
    }
}
