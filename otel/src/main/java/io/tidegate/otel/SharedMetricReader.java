package io.tidegate.otel;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.util.Collection;
import java.util.List;

/**
 * Several cumulative readers (the Prometheus endpoint's, the OTLP push) registered with the SDK as
 * one. The SDK keeps one storage per registered reader and records every measurement into each,
 * so two readers double the cost of every counter add and histogram record on the hot path; shared,
 * a measurement is recorded once and each reader collects the same cumulative state. Only readers
 * that agree on cumulative temporality and on the default aggregation can share ({@link
 * #canShare}): a delta reader's collection resets what the others still need.
 *
 * <p>Thread-safe. Collections are serialised, so a scrape and a push never read the storage at
 * the same time; the SDK's data are built anew on every collection ({@link MemoryMode#IMMUTABLE_DATA}),
 * so what one reader got stays valid while another collects.
 */
final class SharedMetricReader implements MetricReader {

    private final List<MetricReader> readers;

    SharedMetricReader(List<MetricReader> readers) {
        if (!canShare(readers)) {
            throw new IllegalArgumentException("only cumulative readers with the same default aggregation can share: " + readers);
        }
        this.readers = List.copyOf(readers);
    }

    /** True when these readers all collect cumulative data with the same default aggregations. */
    static boolean canShare(List<MetricReader> readers) {
        MetricReader first = readers.get(0);
        for (InstrumentType type : InstrumentType.values()) {
            for (MetricReader r : readers) {
                if (r.getAggregationTemporality(type) != AggregationTemporality.CUMULATIVE
                        || !r.getDefaultAggregation(type).equals(first.getDefaultAggregation(type))) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void register(CollectionRegistration registration) {
        CollectionRegistration serialised = new CollectionRegistration() {
            @Override
            public synchronized Collection<MetricData> collectAllMetrics() {
                return registration.collectAllMetrics();
            }
        };
        readers.forEach(r -> r.register(serialised));
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
        return readers.get(0).getDefaultAggregation(instrumentType);
    }

    @Override
    public MemoryMode getMemoryMode() {
        return MemoryMode.IMMUTABLE_DATA;
    }

    @Override
    public CompletableResultCode forceFlush() {
        return CompletableResultCode.ofAll(readers.stream().map(MetricReader::forceFlush).toList());
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofAll(readers.stream().map(MetricReader::shutdown).toList());
    }

    @Override
    public String toString() {
        return "SharedMetricReader" + readers;
    }
}
