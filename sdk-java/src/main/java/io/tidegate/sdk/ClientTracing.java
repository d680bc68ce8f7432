package io.tidegate.sdk;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.tidegate.otel.MessageHeaders;
import io.tidegate.otel.MessagingAttributes;
import io.tidegate.otel.RootSampling;
import io.tidegate.proto.v1.Message;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The SDK's spans: {@code publish <topic>} (PRODUCER) per published message, its context injected
 * into the message headers ({@code traceparent}, {@code tracestate}, {@code baggage}) when it is
 * sampled, ended when the gateway acknowledges; {@code process <topic>} (CONSUMER) around a handler call, child of the
 * context the delivered message carries (the gateway's {@code deliver} span) and current while the
 * handler runs (a message without trace context gets no process span). Uses only the OpenTelemetry
 * API; with the no-op instance (the default when nothing registered a global one) it adds nothing
 * but a call. With a {@link io.tidegate.otel.Telemetry} set-up, whose sampler is parent-based by
 * ratio, an unsampled message costs a random draw or a flag check: no span is built for it and no
 * header is read or written. Thread-safe.
 */
final class ClientTracing {

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final boolean noop;
    /** Non-null when the sampler is known to be parent-based by ratio: decisions are drawn ahead. */
    private final RootSampling roots;

    ClientTracing(OpenTelemetry openTelemetry) {
        this.roots = RootSampling.of(openTelemetry);
        this.tracer = openTelemetry.getTracer("io.tidegate.sdk", TidegateClient.VERSION);
        // the API's no-op tracer is one shared instance, also behind an unset GlobalOpenTelemetry
        this.noop = tracer == TracerProvider.noop().get("io.tidegate.sdk");
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /**
     * True when this client decides about sampling for each message it publishes ({@code
     * Hello.samples_traces}): its messages without trace headers were not sampled, so the gateway
     * must not start traces for them. False without a tracer.
     */
    boolean samplesTraces() {
        return !noop;
    }

    /**
     * Sends the message inside a publish span (child of the caller's current context): the message
     * sent carries the span's context, and the gateway's acknowledgement ends the span.
     */
    <T> CompletableFuture<T> publish(Message message, Function<Message, CompletableFuture<T>> send) {
        if (noop) {
            return send.apply(message);
        }
        Context parent = Context.current();
        if (roots != null) {
            SpanContext caller = Span.fromContext(parent).getSpanContext();
            if (caller.isValid() ? !caller.isSampled() : !roots.sample()) {
                return send.apply(message); // the span would not be sampled: do not build it
            }
            if (!caller.isValid()) {
                parent = RootSampling.sampledParent(parent);
            }
        }
        Span span = tracer.spanBuilder(MessagingAttributes.PUBLISH).setSpanKind(SpanKind.PRODUCER)
                .setParent(parent).startSpan();
        if (!span.getSpanContext().isSampled()) {
            // Unsampled publishes carry no trace headers: no message copy and ~70 bytes less per
            // message. The gateway then treats them like publishes of an untraced client.
            return send.apply(message);
        }
        MessagingAttributes.describe(span, MessagingAttributes.PUBLISH, "send", message);
        CompletableFuture<T> acked;
        try {
            acked = send.apply(MessageHeaders.withContext(propagator, parent.with(span), message));
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
            span.end();
            throw e;
        }
        acked.whenComplete((ok, error) -> {
            if (error != null) {
                span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
            }
            span.end();
        });
        return acked;
    }

    /**
     * Runs the handler inside a process span, child of the context the message carries; a message
     * that carries none is handled without a span. With a parent-based sampler, a message whose
     * context is not sampled gets no span either, only its context (and baggage) made current.
     */
    void process(ReceivedMessage m, MessageHandler handler) throws Exception {
        if (noop || !MessageHeaders.hasTraceContext(m.message())) {
            // Untraced: a root span here would cost an id and a sampling decision per message and
            // start traces that hold only this span.
            handler.onMessage(m);
            return;
        }
        Context parent = MessageHeaders.extract(propagator, Context.root(), m.message());
        if (!Span.fromContext(parent).getSpanContext().isValid()
                || (roots != null && !Span.fromContext(parent).getSpanContext().isSampled())) {
            try (Scope ignored = parent.makeCurrent()) {
                handler.onMessage(m);
            }
            return;
        }
        Span span = tracer.spanBuilder(MessagingAttributes.PROCESS).setSpanKind(SpanKind.CONSUMER)
                .setParent(parent).startSpan();
        MessagingAttributes.describe(span, MessagingAttributes.PROCESS, "process", m.message());
        if (span.isRecording()) {
            span.setAttribute("tidegate.subscription.id", m.subscriptionId());
            span.setAttribute("tidegate.delivery_count", m.deliveryCount());
        }
        try (Scope ignored = parent.with(span).makeCurrent()) {
            handler.onMessage(m);
        } catch (Exception | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
            throw e;
        } finally {
            span.end();
        }
    }
}
