package io.tidegate.gateway.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.otel.MessageHeaders;
import io.tidegate.otel.MessagingAttributes;
import io.tidegate.otel.RootSampling;
import io.tidegate.otel.Telemetry;
import io.tidegate.proto.v1.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's spans, after the messaging conventions: {@code receive <topic>} (SERVER) when a
 * publish arrives, {@code append <topic>} (CLIENT) around the backend append, {@code deliver
 * <topic>} (PRODUCER) when the message is written to a subscriber's stream. The receive span's
 * context rides in the {@link Envelope} to the append; the append and deliver spans' contexts
 * replace {@code traceparent} in the message headers, so the next hop — the replica that reads the
 * stored entry, the subscriber — becomes their child.
 *
 * <p>Only sampled messages cost anything beyond a field read: with tracing off every method
 * returns at once, an unsampled incoming context is never parsed into spans, a publish without
 * context builds a span only when the ratio draw ({@link RootSampling}) starts a trace, and a
 * delivery starts no trace of its own. Thread-safe.
 */
public final class GatewayTracing {

    /** A tracing that records nothing. */
    public static final GatewayTracing OFF = new GatewayTracing(null);

    private final Tracer tracer;
    private final RootSampling roots;

    /** The gateway's tracing on this set-up (records nothing when its tracing is off). */
    public static GatewayTracing of(Telemetry telemetry) {
        return new GatewayTracing(telemetry);
    }

    GatewayTracing(Telemetry telemetry) {
        this.tracer = telemetry != null && telemetry.tracingEnabled()
                ? telemetry.getTracer("io.tidegate.gateway")
                : null;
        this.roots = tracer != null ? telemetry.rootSampling() : null;
    }

    public boolean enabled() {
        return tracer != null;
    }

    /**
     * Starts the ingress span of a validated publish. Its parent is the message's header context,
     * else {@code fallback} (trace context of a unary call's metadata), else none (a new trace,
     * at the sampling ratio, when {@code startTrace} allows it).
     *
     * @return the span (end it when the publish is answered) and the envelope to queue, which
     *         carries the span's context when it is sampled; {@link Ingress#NONE} when tracing is
     *         off or the message is not sampled. The message's headers are left as they are.
     */
    public Ingress receive(Envelope envelope, Context fallback, boolean startTrace) {
        if (tracer == null) {
            return Ingress.NONE;
        }
        Message m = envelope.message();
        Context parent;
        if (MessageHeaders.hasTraceContext(m)) {
            if (!MessageHeaders.hasSampledTraceContext(m)) {
                return Ingress.NONE; // the publisher decided: not sampled, and its header says so downstream
            }
            parent = MessageHeaders.extract(Telemetry.PROPAGATOR, Context.root(), m);
        } else if (fallback != null && Span.fromContext(fallback).getSpanContext().isValid()) {
            parent = fallback;
        } else if (startTrace && roots.sample()) {
            parent = RootSampling.sampledParent(fallback != null ? fallback : Context.root());
        } else {
            return Ingress.NONE; // no new trace here, or not sampled: no span built
        }
        Span span = start(MessagingAttributes.RECEIVE, SpanKind.SERVER, parent);
        if (!span.getSpanContext().isSampled()) {
            return Ingress.NONE;
        }
        MessagingAttributes.describe(span, MessagingAttributes.RECEIVE, "receive", m);
        return new Ingress(span, new Envelope(m, envelope.orderingKey(), envelope.acceptedNanos(), parent.with(span)));
    }

    /**
     * Starts the append spans of the sampled messages of a backend batch (children of their
     * ingress spans, whose context their envelopes carry) and, for a batch with several sampled
     * messages, one batch span ({@code append}, {@code messaging.batch.message_count}) linked to
     * each of them. Returns the batch to append, with headers naming the append spans, and the
     * spans to end; null when no message of the batch is sampled.
     */
    public Append append(List<Envelope> batch) {
        if (tracer == null) {
            return null;
        }
        List<Envelope> traced = null;
        Span[] spans = null;
        int sampled = 0;
        for (int i = 0; i < batch.size(); i++) {
            Envelope e = batch.get(i);
            if (e.trace() == null) {
                continue;
            }
            if (traced == null) {
                traced = new ArrayList<>(batch); // the list type the backend sees untraced, so its calls stay monomorphic
                spans = new Span[batch.size()];
            }
            Message m = e.message();
            Span span = start(MessagingAttributes.APPEND, SpanKind.CLIENT, e.trace());
            MessagingAttributes.describe(span, MessagingAttributes.APPEND, "send", m);
            spans[i] = span;
            traced.set(i, new Envelope(MessageHeaders.withContext(Telemetry.PROPAGATOR, e.trace().with(span), m),
                    e.orderingKey(), e.acceptedNanos()));
            sampled++;
        }
        if (traced == null) {
            return null;
        }
        Span batchSpan = sampled > 1 ? batchSpan(batch.size(), spans) : null;
        return new Append(traced, spans, batchSpan);
    }

    /**
     * One span for the whole backend call, linked to every sampled message's append span. It is
     * the child of the first of them, so parent-based sampling keeps it whenever links exist.
     */
    private Span batchSpan(int size, Span[] spans) {
        SpanBuilder b = tracer.spanBuilder(MessagingAttributes.APPEND).setSpanKind(SpanKind.CLIENT)
                .setAttribute(MessagingAttributes.MESSAGING_SYSTEM, MessagingAttributes.SYSTEM)
                .setAttribute(MessagingAttributes.OPERATION_TYPE, "send")
                .setAttribute(MessagingAttributes.OPERATION_NAME, MessagingAttributes.APPEND)
                .setAttribute(MessagingAttributes.BATCH_MESSAGE_COUNT, (long) size);
        boolean parentSet = false;
        for (int i = 0; i < spans.length; i++) {
            if (spans[i] != null) {
                if (!parentSet) {
                    b.setParent(Context.root().with(spans[i]));
                    parentSet = true;
                }
                b.addLink(spans[i].getSpanContext());
            }
        }
        return b.startSpan();
    }

    /**
     * The message as written to a subscriber: when its stored headers carry a sampled context,
     * a {@code deliver} span (child of that context) is recorded and its context replaces
     * {@code traceparent}; otherwise the message itself. Never starts a trace.
     */
    public Message deliver(Message m, String subscriptionId) {
        if (tracer == null || !MessageHeaders.hasSampledTraceContext(m)) {
            return m;
        }
        Context parent = MessageHeaders.extract(Telemetry.PROPAGATOR, Context.root(), m);
        Span span = start(MessagingAttributes.DELIVER, SpanKind.PRODUCER, parent);
        MessagingAttributes.describe(span, MessagingAttributes.DELIVER, "send", m);
        if (span.isRecording()) {
            span.setAttribute("tidegate.subscription.id", subscriptionId);
        }
        Message out = MessageHeaders.withContext(Telemetry.PROPAGATOR, parent.with(span), m);
        span.end();
        return out;
    }

    private Span start(String operation, SpanKind kind, Context parent) {
        return tracer.spanBuilder(operation).setSpanKind(kind).setParent(parent).startSpan();
    }

    /** The ingress span of one publish and the envelope to queue. */
    public record Ingress(Span span, Envelope envelope) {

        static final Ingress NONE = new Ingress(null, null);

        /** The envelope to queue: the traced one, else {@code original}. */
        public Envelope envelopeOr(Envelope original) {
            return envelope != null ? envelope : original;
        }

        /** Ends the span: the publish was stored (or spooled). */
        public void stored(boolean spooled, boolean duplicate) {
            if (span != null) {
                span.setAttribute("tidegate.spooled", spooled);
                span.setAttribute("tidegate.duplicate", duplicate);
                span.end();
            }
        }

        /** Ends the span: the publish failed with this reason. */
        public void failed(String reason) {
            if (span != null) {
                span.setStatus(StatusCode.ERROR, reason);
                span.end();
            }
        }

        /** The context of the span, for logs; the current one when there is no span. */
        public Context context() {
            return span == null ? Context.current() : Context.current().with(span);
        }
    }

    /** The append spans of one backend batch (null entries: messages not sampled). */
    public record Append(List<Envelope> batch, Span[] spans, Span batchSpan) {

        /** Ends every span; {@code error} null when the backend took the batch. */
        public void end(Throwable error) {
            for (Span s : spans) {
                if (s != null) {
                    end(s, error);
                }
            }
            if (batchSpan != null) {
                end(batchSpan, error);
            }
        }

        private static void end(Span s, Throwable error) {
            if (error != null) {
                s.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
            }
            s.end();
        }
    }
}
