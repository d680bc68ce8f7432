package io.tidegate.otel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SharedMetricReaderTest {

    private static Telemetry telemetry(MetricReader... readers) {
        Telemetry.Builder b = Telemetry.builder(new OtelSettings(false, true, "http://127.0.0.1:4317",
                OtelSettings.Protocol.GRPC, 1.0, "shared-reader-test", "t", Duration.ofSeconds(10)));
        for (MetricReader r : readers) {
            b.metricReader(r);
        }
        return b.build();
    }

    private static long sum(Collection<MetricData> metrics) {
        return metrics.stream().filter(m -> m.getName().equals("c"))
                .flatMap(m -> m.getLongSumData().getPoints().stream()).mapToLong(p -> p.getValue()).sum();
    }

    @Test
    void cumulativeReadersEachSeeEveryMeasurementAndCollectingDoesNotResetTheOther() {
        InMemoryMetricReader scrape = InMemoryMetricReader.create();
        InMemoryMetricReader push = InMemoryMetricReader.create();
        assertThat(SharedMetricReader.canShare(List.of(scrape, push))).isTrue();
        try (Telemetry t = telemetry(scrape, push)) {
            LongCounter c = t.getMeter("m").counterBuilder("c").build();
            c.add(3);
            assertThat(sum(scrape.collectAllMetrics())).isEqualTo(3);
            c.add(2);
            assertThat(sum(scrape.collectAllMetrics())).isEqualTo(5);
            assertThat(sum(push.collectAllMetrics())).isEqualTo(5);
        }
    }

    @Test
    void thePrometheusPullAndTheOtlpPushCanShare() {
        PeriodicMetricReader push = PeriodicMetricReader.builder(OtlpHttpMetricExporter.builder().build()).build();
        try {
            assertThat(SharedMetricReader.canShare(List.of(InMemoryMetricReader.create(), push))).isTrue();
        } finally {
            push.shutdown();
        }
    }

    @Test
    void concurrentCollectionsReadConsistentTotals() throws Exception {
        InMemoryMetricReader scrape = InMemoryMetricReader.create();
        InMemoryMetricReader push = InMemoryMetricReader.create();
        try (Telemetry t = telemetry(scrape, push)) {
            LongCounter c = t.getMeter("m").counterBuilder("c").build();
            CompletableFuture<Void> collecting = CompletableFuture.runAsync(() -> {
                long last = 0;
                for (int i = 0; i < 2_000; i++) {
                    long now = sum((i % 2 == 0 ? scrape : push).collectAllMetrics());
                    assertThat(now).isGreaterThanOrEqualTo(last); // cumulative: never goes back
                    last = now;
                }
            });
            for (int i = 0; i < 100_000; i++) {
                c.add(1);
            }
            collecting.get();
            assertThat(sum(scrape.collectAllMetrics())).isEqualTo(100_000);
            assertThat(sum(push.collectAllMetrics())).isEqualTo(100_000);
        }
    }

    @Test
    void aDeltaReaderKeepsItsOwnStorage() {
        InMemoryMetricReader scrape = InMemoryMetricReader.create();
        InMemoryMetricReader delta = InMemoryMetricReader.create(type -> AggregationTemporality.DELTA,
                io.opentelemetry.sdk.metrics.export.DefaultAggregationSelector.getDefault());
        assertThat(SharedMetricReader.canShare(List.of(scrape, delta))).isFalse();
        assertThatThrownBy(() -> new SharedMetricReader(List.of(scrape, delta))).isInstanceOf(IllegalArgumentException.class);
        try (Telemetry t = telemetry(scrape, delta)) {
            LongCounter c = t.getMeter("m").counterBuilder("c").build();
            c.add(3);
            assertThat(sum(delta.collectAllMetrics())).isEqualTo(3);
            c.add(2);
            assertThat(sum(delta.collectAllMetrics())).isEqualTo(2); // delta: since its last collection
            assertThat(sum(scrape.collectAllMetrics())).isEqualTo(5); // unaffected by the delta reader's resets
        }
    }
}
