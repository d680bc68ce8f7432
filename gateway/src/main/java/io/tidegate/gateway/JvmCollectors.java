package io.tidegate.gateway;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.registry.PrometheusScrapeRequest;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.function.Predicate;

/**
 * The Prometheus client's JVM and process collectors ({@code jvm_*}, {@code process_*}), registered
 * once per process in a registry of their own, which each gateway's {@code /metrics} registry reads
 * through this collector. Registering them into each gateway's registry instead would keep every
 * closed gateway reachable: {@link JvmMetrics} remembers each registry it registered with in a
 * static set, and a gateway's registry reaches its OpenTelemetry reader, its gauges' callbacks and
 * through them the backend with its stored messages. The reference runs one way only, from the
 * gateway's registry to this process-wide one. Thread-safe: scrapes may run concurrently.
 */
final class JvmCollectors implements MultiCollector {

    /** The one process-wide registry; created by the first gateway with metrics on. */
    private static final class Shared {
        static final PrometheusRegistry REGISTRY = registry();

        private static PrometheusRegistry registry() {
            PrometheusRegistry jvm = new PrometheusRegistry();
            JvmMetrics.builder().register(jvm);
            return jvm;
        }
    }

    @Override
    public MetricSnapshots collect() {
        return Shared.REGISTRY.scrape();
    }

    @Override
    public MetricSnapshots collect(PrometheusScrapeRequest request) {
        return Shared.REGISTRY.scrape(request);
    }

    @Override
    public MetricSnapshots collect(Predicate<String> includedNames) {
        return Shared.REGISTRY.scrape(includedNames);
    }

    @Override
    public MetricSnapshots collect(Predicate<String> includedNames, PrometheusScrapeRequest request) {
        return Shared.REGISTRY.scrape(includedNames, request);
    }
}
