package io.tidegate.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.tidegate.proto.v1.Message;
import org.junit.jupiter.api.Test;

class MessageHeadersTest {

    private static final SpanContext PARENT = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
            TraceFlags.getSampled(), TraceState.builder().put("vendor", "x").build());

    @Test
    void contextGoesIntoHeadersAndComesBackOut() {
        Context ctx = Context.root().with(Span.wrap(PARENT)).with(Baggage.builder().put("desk", "btc").build());
        Message m = MessageHeaders.withContext(Telemetry.PROPAGATOR, ctx,
                Message.newBuilder().setTopic("a.b").putHeaders("app", "kept").build());

        assertThat(m.getHeadersMap()).containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .containsEntry("tracestate", "vendor=x").containsEntry("baggage", "desk=btc").containsEntry("app", "kept");
        Context back = MessageHeaders.extract(Telemetry.PROPAGATOR, Context.root(), m);
        assertThat(Span.fromContext(back).getSpanContext().getSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(Span.fromContext(back).getSpanContext().isRemote()).isTrue();
        assertThat(Baggage.fromContext(back).getEntryValue("desk")).isEqualTo("btc");
    }

    @Test
    void aNewContextReplacesTheOldParentAndItsTraceState() {
        Message withOld = MessageHeaders.withContext(Telemetry.PROPAGATOR, Context.root().with(Span.wrap(PARENT)),
                Message.newBuilder().setTopic("a.b").build());
        SpanContext child = SpanContext.create(PARENT.getTraceId(), "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault());
        Message replaced = MessageHeaders.withContext(Telemetry.PROPAGATOR, Context.root().with(Span.wrap(child)), withOld);
        assertThat(replaced.getHeadersMap()).containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01")
                .doesNotContainKey("tracestate");
    }

    @Test
    void noValidSpanLeavesTheMessageAsItIs() {
        Message m = Message.newBuilder().setTopic("a.b").build();
        assertThat(MessageHeaders.withContext(Telemetry.PROPAGATOR, Context.root(), m)).isSameAs(m);
        assertThat(MessageHeaders.hasTraceContext(m)).isFalse();
    }

    @Test
    void httpEndpointsGetTheSignalPathOnce() {
        assertThat(Telemetry.path("http://c:4318", "/v1/traces")).isEqualTo("http://c:4318/v1/traces");
        assertThat(Telemetry.path("http://c:4318/", "/v1/traces")).isEqualTo("http://c:4318/v1/traces");
        assertThat(Telemetry.path("http://c:4318/v1/traces", "/v1/traces")).isEqualTo("http://c:4318/v1/traces");
    }
}
