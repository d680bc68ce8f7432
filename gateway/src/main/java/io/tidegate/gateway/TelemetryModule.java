package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.telemetry.GatewayMetrics;
import io.tidegate.gateway.telemetry.GatewayTracing;
import io.tidegate.gateway.telemetry.TopicTraffic;
import io.opentelemetry.api.metrics.MeterProvider;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tidegate.otel.Telemetry;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * Wires OpenTelemetry from {@code otel.*}: the SDK set-up ({@link Telemetry}, service name,
 * {@code service.instance.id} = gateway id), the OpenTelemetry Prometheus exporter's reader behind
 * {@code /metrics}, and the gateway's tracing and metrics.
 */
final class TelemetryModule extends AbstractModule {

    private final SpanProcessor spanProcessor;

    /**
     * @param spanProcessor where spans go instead of the OTLP exporter (tests, benchmarks); null
     *                      for OTLP as configured
     */
    TelemetryModule(SpanProcessor spanProcessor) {
        this.spanProcessor = spanProcessor;
    }

    /**
     * The reader {@code /metrics} collects from. Its series carry only the gateway's own labels
     * (no {@code otel_scope_*} on each) and there is no {@code target_info} family: the names and
     * labels are the README's metrics table, and the resource goes with the OTLP export.
     */
    @Provides
    @Singleton
    PrometheusMetricReader prometheus() {
        return PrometheusMetricReader.builder().setOtelScopeLabelsEnabled(false).setTargetInfoMetricEnabled(false).build();
    }

    /**
     * What {@code /metrics} scrapes: the OpenTelemetry reader's metrics plus the Prometheus
     * client's JVM and process metrics ({@code jvm_*}, {@code process_*}; these go to
     * {@code /metrics} only, not over OTLP), read from the one process-wide registry of
     * {@link JvmCollectors} so that nothing static refers to this gateway's registry.
     */
    @Provides
    @Singleton
    PrometheusRegistry registry(PrometheusMetricReader prometheus, GatewayConfig config) {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(prometheus);
        if (config.otel().metricsEnabled()) {
            registry.register(new JvmCollectors());
        }
        return registry;
    }

    @Provides
    @Singleton
    Telemetry telemetry(GatewayConfig config, PrometheusMetricReader prometheus) {
        Telemetry.Builder b = Telemetry.builder(config.otel().settings(config.gatewayId())).metricReader(prometheus);
        if (spanProcessor != null) {
            // spans stay in the process (tests, benchmarks), and so do metrics
            b.spanProcessor(spanProcessor).exportMetricsOverOtlp(false);
        }
        return b.build();
    }

    @Provides
    @Singleton
    GatewayTracing tracing(Telemetry telemetry) {
        return GatewayTracing.of(telemetry);
    }

    @Provides
    @Singleton
    GatewayMetrics metrics(Telemetry telemetry, GatewayConfig config) {
        // per-topic counts feed the console even with metrics off
        TopicTraffic traffic = new TopicTraffic(config.console().maxTopics());
        return config.otel().metricsEnabled()
                ? new GatewayMetrics(telemetry.getMeterProvider(), true, Clock.systemUTC(), traffic)
                : new GatewayMetrics(MeterProvider.noop(), false, Clock.systemUTC(), traffic);
    }
}
