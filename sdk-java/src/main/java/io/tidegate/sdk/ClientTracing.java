package io.tidegate.sdk;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.tidegate.otel.MessageHeaders;
import io.tidegate.otel.MessagingAttributes;
import io.tidegate.proto.v1.Message;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The SDK's spans: {@code publish <topic>} (PRODUCER) per published message, its context injected
 * into the message headers ({@code traceparent}, {@code tracestate}, {@code baggage}) when it is
 * sampled, ended when the gateway acknowledges; {@code process <topic>} (CONSUMER) around a handler call, child of the
 * context the delivered message carries (the gateway's {@code deliver} span) and current while the
 * handler runs (a message without trace context gets no process span). Uses only the OpenTelemetry API; with the no-op instance (the default when nothing
 * registered a global one) it adds nothing but a call. Thread-safe.
 */
final class ClientTracing {

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final boolean noop;

    ClientTracing(OpenTelemetry openTelemetry) {
        this.noop = openTelemetry == OpenTelemetry.noop();
        this.tracer = openTelemetry.getTracer("io.tidegate.sdk", TidegateClient.VERSION);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /**
     * Sends the message inside a publish span (child of the caller's current context): the message
     * sent carries the span's context, and the gateway's acknowledgement ends the span.
     */
    <T> CompletableFuture<T> publish(Message message, Function<Message, CompletableFuture<T>> send) {
        if (noop) {
            return send.apply(message);
        }
        Span span = tracer.spanBuilder(MessagingAttributes.PUBLISH).setSpanKind(SpanKind.PRODUCER).startSpan();
        if (!span.getSpanContext().isSampled()) {
            // Unsampled publishes carry no trace headers: no message copy and ~70 bytes less per
            // message. The gateway then treats them like publishes of an untraced client.
            return send.apply(message);
        }
        MessagingAttributes.describe(span, MessagingAttributes.PUBLISH, "send", message);
        CompletableFuture<T> acked;
        try {
            acked = send.apply(MessageHeaders.withContext(propagator, Context.current().with(span), message));
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
     * that carries none is handled without a span.
     */
    void process(ReceivedMessage m, MessageHandler handler) throws Exception {
        if (noop) {
            handler.onMessage(m);
            return;
        }
        Context parent = MessageHeaders.extract(propagator, Context.root(), m.message());
        if (!Span.fromContext(parent).getSpanContext().isValid()) {
            // An untraced (or unsampled Java) publish: a root span here would cost an id and a
            // sampling decision per message and start traces that hold only this span.
            handler.onMessage(m);
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
