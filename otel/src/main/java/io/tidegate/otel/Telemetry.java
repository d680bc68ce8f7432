package io.tidegate.otel;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.ExemplarFilter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An OpenTelemetry set-up from {@link OtelSettings}: the SDK's OTLP exporters (grpc or http/protobuf) for spans
 * and metrics, a parent-based ratio sampler whose root decision instrumented code may draw ahead
 * ({@link RootSampling}), the resource ({@code service.name},
 * {@code service.instance.id}) and the W3C trace-context and baggage propagators. With tracing off
 * the tracer provider is the API's no-op one, so instrumented code pays only a virtual call; with
 * metrics off so is the meter provider. Thread-safe; close it once to flush and stop exporting.
 */
public final class Telemetry implements OpenTelemetry, RootSampling.Source, AutoCloseable {

    /** W3C trace context plus W3C baggage. */
    public static final TextMapPropagator PROPAGATOR = TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance());

    private static final int SPAN_QUEUE = 32_768;

    private final OtelSettings settings;
    private final TracerProvider tracerProvider;
    private final MeterProvider meterProvider;
    private final SdkTracerProvider sdkTracer;
    private final SdkMeterProvider sdkMeter;
    private final RootSampling rootSampling;
    private final Resource resource;
    private final SpanProcessor spanProcessor;
    private final ContextPropagators propagators = ContextPropagators.create(PROPAGATOR);

    private Telemetry(Builder b) {
        this.settings = b.settings;
        resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), settings.serviceName(),
                AttributeKey.stringKey("service.instance.id"), settings.serviceInstanceId())));
        if (settings.tracing()) {
            spanProcessor = b.spanProcessor != null ? b.spanProcessor
                    : BatchSpanProcessor.builder(b.spanExporter != null ? b.spanExporter : otlpSpans(settings))
                            // a gateway at 100 % sampling ends ~4 spans per message: room for bursts
                            .setMaxQueueSize(SPAN_QUEUE).setMaxExportBatchSize(1024).build();
            sdkTracer = SdkTracerProvider.builder()
                    .setResource(resource)
                    .setSampler(Sampler.parentBased(new DecidedAheadSampler(Sampler.traceIdRatioBased(settings.samplingRatio()))))
                    .addSpanProcessor(spanProcessor)
                    .build();
            tracerProvider = sdkTracer;
            rootSampling = new RootSampling(settings.samplingRatio());
        } else {
            rootSampling = new RootSampling(0);
            spanProcessor = null;
            sdkTracer = null;
            tracerProvider = TracerProvider.noop();
        }
        if (settings.metrics()) {
            List<MetricReader> readers = new ArrayList<>(b.metricReaders);
            if (settings.tracing() && b.exportMetricsOverOtlp) {
                readers.add(PeriodicMetricReader.builder(otlpMetrics(settings))
                        .setInterval(settings.metricsExportInterval()).build());
            }
            // Exemplars come from a sampled span that is current while a measurement is taken; the
            // gateway measures on hot paths where no span is current, and the default filter would
            // still look the current span up on every measurement.
            SdkMeterProviderBuilder meters = SdkMeterProvider.builder().setResource(resource)
                    .setExemplarFilter(ExemplarFilter.alwaysOff());
            if (readers.size() > 1 && SharedMetricReader.canShare(readers)) {
                meters.registerMetricReader(new SharedMetricReader(readers)); // one storage: each measurement recorded once
            } else {
                readers.forEach(meters::registerMetricReader);
            }
            sdkMeter = meters.build();
            meterProvider = sdkMeter;
        } else {
            sdkMeter = null;
            meterProvider = MeterProvider.noop();
        }
    }

    /** A set-up builder for these settings. */
    public static Builder builder(OtelSettings settings) {
        return new Builder(settings);
    }

    public OtelSettings settings() {
        return settings;
    }

    /** True when spans are recorded (tracing on); instrumented code skips all work when false. */
    public boolean tracingEnabled() {
        return sdkTracer != null;
    }

    /** The root sampling decision to draw before building a root span (never samples with tracing off). */
    @Override
    public RootSampling rootSampling() {
        return rootSampling;
    }

    /**
     * Where spans recorded without the SDK's tracer are ended (see {@code RecordedSpan} in the
     * gateway): the processor the tracer's own spans go to, so both share one queue and one
     * export. Null with tracing off.
     */
    public SpanProcessor spanProcessor() {
        return spanProcessor;
    }

    /** The resource every span and metric of this set-up carries. */
    public Resource resource() {
        return resource;
    }

    @Override
    public TracerProvider getTracerProvider() {
        return tracerProvider;
    }

    @Override
    public MeterProvider getMeterProvider() {
        return meterProvider;
    }

    @Override
    public ContextPropagators getPropagators() {
        return propagators;
    }

    /** Exports what is buffered, waiting up to the timeout. */
    public void flush(long timeout, TimeUnit unit) {
        List<CompletableResultCode> results = new ArrayList<>();
        if (sdkTracer != null) {
            results.add(sdkTracer.forceFlush());
        }
        if (sdkMeter != null) {
            results.add(sdkMeter.forceFlush());
        }
        CompletableResultCode.ofAll(results).join(timeout, unit);
    }

    /** Flushes and shuts the providers down (waits up to 5 s). */
    @Override
    public void close() {
        List<CompletableResultCode> results = new ArrayList<>();
        if (sdkTracer != null) {
            results.add(sdkTracer.shutdown());
        }
        if (sdkMeter != null) {
            results.add(sdkMeter.shutdown());
        }
        CompletableResultCode.ofAll(results).join(5, TimeUnit.SECONDS);
    }

    private static SpanExporter otlpSpans(OtelSettings s) {
        return switch (s.protocol()) {
            case GRPC -> OtlpGrpcSpanExporter.builder().setEndpoint(s.endpoint()).build();
            case HTTP_PROTOBUF -> OtlpHttpSpanExporter.builder().setEndpoint(path(s.endpoint(), "/v1/traces")).build();
        };
    }

    private static MetricExporter otlpMetrics(OtelSettings s) {
        return switch (s.protocol()) {
            case GRPC -> OtlpGrpcMetricExporter.builder().setEndpoint(s.endpoint()).build();
            case HTTP_PROTOBUF -> OtlpHttpMetricExporter.builder().setEndpoint(path(s.endpoint(), "/v1/metrics")).build();
        };
    }

    /** The http/protobuf endpoint of one signal: the base with its path, as OTEL_EXPORTER_OTLP_ENDPOINT does. */
    static String path(String base, String signalPath) {
        String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return trimmed.endsWith(signalPath) ? trimmed : trimmed + signalPath;
    }

    /**
     * Records a root span whose parent context says {@link RootSampling#sample()} already decided
     * yes; any other root span is decided by the ratio sampler, as usual.
     */
    private record DecidedAheadSampler(Sampler ratio) implements Sampler {
        @Override
        public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
                                           Attributes attributes, List<LinkData> parentLinks) {
            return RootSampling.decided(parentContext) ? SamplingResult.recordAndSample()
                    : ratio.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
        }

        @Override
        public String getDescription() {
            return "DecidedAhead{" + ratio.getDescription() + "}";
        }
    }

    /** Builds a {@link Telemetry}; tests and benchmarks replace the OTLP span exporter. Not thread-safe. */
    public static final class Builder {
        private final OtelSettings settings;
        private final List<MetricReader> metricReaders = new ArrayList<>();
        private SpanExporter spanExporter;
        private SpanProcessor spanProcessor;
        private boolean exportMetricsOverOtlp = true;

        private Builder(OtelSettings settings) {
            this.settings = settings;
        }

        /** Exports spans here (batched) instead of over OTLP. */
        public Builder spanExporter(SpanExporter exporter) {
            this.spanExporter = exporter;
            return this;
        }

        /** Hands spans to this processor instead of a batching OTLP exporter (e.g. a simple one in tests). */
        public Builder spanProcessor(SpanProcessor processor) {
            this.spanProcessor = processor;
            return this;
        }

        /** Another reader of the metrics, e.g. the Prometheus endpoint's. */
        public Builder metricReader(MetricReader reader) {
            metricReaders.add(reader);
            return this;
        }

        /** Whether metrics are also pushed over OTLP while tracing is on (default true). */
        public Builder exportMetricsOverOtlp(boolean export) {
            this.exportMetricsOverOtlp = export;
            return this;
        }

        public Telemetry build() {
            return new Telemetry(this);
        }
    }
}
