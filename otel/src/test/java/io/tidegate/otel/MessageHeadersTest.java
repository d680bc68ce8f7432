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
    void readsTheSampledBitOfTheFlags() {
        assertThat(MessageHeaders.isSampled("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).isTrue();
        assertThat(MessageHeaders.isSampled("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03")).isTrue();
        assertThat(MessageHeaders.isSampled("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")).isFalse();
        assertThat(MessageHeaders.isSampled("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0z")).isFalse();
        assertThat(MessageHeaders.isSampled("")).isFalse();
        assertThat(MessageHeaders.isSampled("garbage")).isFalse();
    }

    @Test
    void sampledContextIsToldApartFromUnsampledAndNone() {
        Message none = Message.newBuilder().setTopic("a.b").build();
        Message otherHeaders = Message.newBuilder().setTopic("a.b").putHeaders("app", "x").build();
        Message unsampled = none.toBuilder().putHeaders("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00").build();
        Message sampled = none.toBuilder().putHeaders("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").build();
        Message copiedEmpty = none.toBuilder().setId("m-1").build(); // a builder copy holds an empty map, not none

        assertThat(MessageHeaders.hasTraceContext(none)).isFalse();
        assertThat(MessageHeaders.hasTraceContext(otherHeaders)).isFalse();
        assertThat(MessageHeaders.hasTraceContext(copiedEmpty)).isFalse();
        assertThat(MessageHeaders.hasTraceContext(unsampled)).isTrue();
        assertThat(MessageHeaders.hasSampledTraceContext(none)).isFalse();
        assertThat(MessageHeaders.hasSampledTraceContext(otherHeaders)).isFalse();
        assertThat(MessageHeaders.hasSampledTraceContext(unsampled)).isFalse();
        assertThat(MessageHeaders.hasSampledTraceContext(sampled)).isTrue();
    }

    @Test
    void messagesWithoutHeadersAreRecognisedByTheGeneratedFieldWithoutTheMapAccessors() {
        // A protobuf upgrade that renames the field makes this fail instead of silently
        // allocating an empty map wrapper per lookup again.
        assertThat(MessageHeaders.readsHeadersField()).isTrue();
        assertThat(MessageHeaders.headersEmpty(Message.newBuilder().setTopic("a.b").build())).isTrue();
        assertThat(MessageHeaders.headersEmpty(Message.newBuilder().putHeaders("k", "v").build())).isFalse();
    }

    @Test
    void aMessageRebuiltThroughItsBuilderStillCountsAsHeaderless() {
        // toBuilder() leaves an empty (non-null) headers field behind: the SDK builds every
        // message it publishes that way
        Message rebuilt = Message.newBuilder().setTopic("a.b").build().toBuilder().setId("m1").build();
        assertThat(MessageHeaders.headersEmpty(rebuilt)).isTrue();
        assertThat(MessageHeaders.hasSampledTraceContext(rebuilt)).isFalse();
        Message withHeaders = Message.newBuilder().putHeaders("k", "v").build().toBuilder().setId("m2").build();
        assertThat(MessageHeaders.headersEmpty(withHeaders)).isFalse();
    }

    @Test
    void httpEndpointsGetTheSignalPathOnce() {
        assertThat(Telemetry.path("http://c:4318", "/v1/traces")).isEqualTo("http://c:4318/v1/traces");
        assertThat(Telemetry.path("http://c:4318/", "/v1/traces")).isEqualTo("http://c:4318/v1/traces");
        assertThat(Telemetry.path("http://c:4318/v1/traces", "/v1/traces")).isEqualTo("http://c:4318/v1/traces");
    }
}
