package io.tidegate.otel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RootSamplingTest {

    private static Telemetry telemetry(boolean tracing, double ratio, InMemorySpanExporter spans) {
        return Telemetry.builder(new OtelSettings(tracing, false, "http://127.0.0.1:4317", OtelSettings.Protocol.GRPC, ratio,
                "root-sampling-test", "t", Duration.ofSeconds(10))).spanProcessor(SimpleSpanProcessor.create(spans)).build();
    }

    @Test
    void theRatioIsDrawnOnceAheadAndTheSamplerKeepsTheDecision() {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (Telemetry never = telemetry(true, 0.0, spans)) {
            RootSampling roots = RootSampling.of(never);
            assertThat(roots.sample()).isFalse();
            Tracer tracer = never.getTracer("t");
            // decided ahead: recorded although the ratio sampler alone would never sample
            Span decided = tracer.spanBuilder("root").setParent(RootSampling.sampledParent(Context.root())).startSpan();
            assertThat(decided.getSpanContext().isSampled()).isTrue();
            decided.end();
            // any other root span is still up to the ratio
            assertThat(tracer.spanBuilder("other").setParent(Context.root()).startSpan().getSpanContext().isSampled()).isFalse();
            assertThat(spans.getFinishedSpanItems()).extracting(s -> s.getName()).containsExactly("root");
        }
    }

    @Test
    void childrenFollowTheirParentNotTheMarker() {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (Telemetry always = telemetry(true, 1.0, spans)) {
            assertThat(RootSampling.of(always).sample()).isTrue();
            SpanContext unsampledParent = SpanContext.createFromRemoteParent("0af7651916cd43dd8448eb211c80319c",
                    "b7ad6b7169203331", TraceFlags.getDefault(), TraceState.getDefault());
            Context parent = RootSampling.sampledParent(Context.root().with(Span.wrap(unsampledParent)));
            assertThat(always.getTracer("t").spanBuilder("child").setParent(parent).startSpan().getSpanContext().isSampled())
                    .isFalse();
        }
    }

    @Test
    void onlyATelemetrySetUpDrawsAheadAndWithTracingOffItNeverSamples() {
        assertThat(RootSampling.of(OpenTelemetry.noop())).isNull();
        try (Telemetry off = telemetry(false, 1.0, InMemorySpanExporter.create())) {
            assertThat(RootSampling.of(off).sample()).isFalse();
        }
    }

    @Test
    void aChangedRatioAppliesToTheNextDrawsAndAnImpossibleOneIsRefused() {
        try (Telemetry t = telemetry(true, 1.0, InMemorySpanExporter.create())) {
            RootSampling roots = RootSampling.of(t);
            roots.ratio(0.0);
            assertThat(roots.sample()).isFalse();
            roots.ratio(1.0);
            assertThat(roots.sample()).isTrue();
            assertThatThrownBy(() -> roots.ratio(1.5))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 0 and 1");
            assertThatThrownBy(() -> roots.ratio(Double.NaN))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
