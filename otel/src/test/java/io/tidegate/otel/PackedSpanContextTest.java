package io.tidegate.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PackedSpanContextTest {

    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String SPAN = "b7ad6b7169203331";

    @Test
    void aSampledHeaderIsReadIntoTheSameIdsTheApiSees() {
        PackedSpanContext c = PackedSpanContext.fromTraceParent("00-" + TRACE + "-" + SPAN + "-01", "vendor=abc,other=x");

        assertThat(c.getTraceId()).isEqualTo(TRACE);
        assertThat(c.getSpanId()).isEqualTo(SPAN);
        assertThat(c.isValid()).isTrue();
        assertThat(c.isSampled()).isTrue();
        assertThat(c.isRemote()).isTrue();
        assertThat(c.getTraceState().asMap()).containsOnly(Map.entry("vendor", "abc"), Map.entry("other", "x"));
        assertThat(c).isEqualTo(SpanContext.createFromRemoteParent(TRACE, SPAN, TraceFlags.getSampled(),
                TraceState.builder().put("other", "x").put("vendor", "abc").build()));
    }

    @Test
    void aChildKeepsTheTraceAndItsStateAndWritesAHeaderThePropagatorReads() {
        PackedSpanContext parent = PackedSpanContext.fromTraceParent("00-" + TRACE + "-" + SPAN + "-01", "vendor=abc");
        PackedSpanContext child = parent.newChild();

        assertThat(child.getTraceId()).isEqualTo(TRACE);
        assertThat(child.getSpanId()).isNotEqualTo(SPAN).hasSize(16);
        assertThat(child.isRemote()).isFalse();
        assertThat(child.traceStateHeader()).isEqualTo("vendor=abc");

        Map<String, String> headers = new HashMap<>();
        headers.put("traceparent", child.toTraceParent());
        headers.put("tracestate", child.traceStateHeader());
        SpanContext read = Span.fromContext(W3CTraceContextPropagator.getInstance().extract(Context.root(), headers,
                new io.opentelemetry.context.propagation.TextMapGetter<Map<String, String>>() {
                    @Override
                    public Iterable<String> keys(Map<String, String> carrier) {
                        return carrier.keySet();
                    }

                    @Override
                    public String get(Map<String, String> carrier, String key) {
                        return carrier.get(key);
                    }
                })).getSpanContext();
        assertThat(read.getTraceId()).isEqualTo(TRACE);
        assertThat(read.getSpanId()).isEqualTo(child.getSpanId());
        assertThat(read.isSampled()).isTrue();
        assertThat(read.getTraceState().get("vendor")).isEqualTo("abc");
    }

    @Test
    void aNewTraceHasValidRandomIdsAndNoState() {
        PackedSpanContext a = PackedSpanContext.newTrace();
        PackedSpanContext b = PackedSpanContext.newTrace();

        assertThat(a.isValid()).isTrue();
        assertThat(a.getTraceId()).hasSize(32).isNotEqualTo(b.getTraceId());
        assertThat(a.getTraceState().isEmpty()).isTrue();
        assertThat(a.traceStateHeader()).isNull();
        assertThat(PackedSpanContext.fromTraceParent(a.toTraceParent(), null).getSpanId()).isEqualTo(a.getSpanId());
    }

    @Test
    void anotherImplementationsContextIsCopiedWithItsState() {
        SpanContext metadata = SpanContext.createFromRemoteParent(TRACE, SPAN, TraceFlags.getSampled(),
                TraceState.builder().put("b", "2").put("a", "1").build());

        PackedSpanContext copy = PackedSpanContext.of(metadata);

        assertThat(copy).isEqualTo(metadata);
        assertThat(copy.traceStateHeader()).isEqualTo("a=1,b=2");
        assertThat(copy.isRemote()).isTrue();
    }

    @Test
    void aLaterVersionWithMoreFieldsIsRead() {
        assertThat(PackedSpanContext.fromTraceParent("cc-" + TRACE + "-" + SPAN + "-01-what-the-future-holds", null))
                .isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "00-" + TRACE + "-" + SPAN + "-00", // not sampled
        "00-" + TRACE + "-" + SPAN + "-01-extra", // version 00 has exactly four fields
        "ff-" + TRACE + "-" + SPAN + "-01", // version ff is invalid
        "00-0AF7651916CD43DD8448EB211C80319C-" + SPAN + "-01", // uppercase
        "00-00000000000000000000000000000000-" + SPAN + "-01", // zero trace id
        "00-" + TRACE + "-0000000000000000-01", // zero span id
        "00-" + TRACE + "-" + SPAN + "-0g", // flags not hex
        "00_" + TRACE + "-" + SPAN + "-01", // separator
        "00-" + TRACE + "-" + SPAN, // too short
        "01-" + TRACE + "-" + SPAN + "-01x", // later version, but no dash after the flags
        ""})
    void aHeaderThatIsMalformedOrNotSampledIsNoContext(String header) {
        assertThat(PackedSpanContext.fromTraceParent(header, "vendor=abc")).isNull();
    }
}
