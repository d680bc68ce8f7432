package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import io.tidegate.gateway.backend.BackendModule;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.dispatch.DispatchModule;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.tidegate.gateway.server.ServerModule;
import io.tidegate.gateway.telemetry.TelemetryModule;

/** The whole gateway: configuration, backend, dispatch, server and telemetry. */
public final class GatewayModule extends AbstractModule {

    private final GatewayConfig config;
    private final SpanProcessor spanProcessor;

    public GatewayModule(GatewayConfig config) {
        this(config, null);
    }

    /**
     * @param spanProcessor where spans go instead of the configured OTLP exporter (tests,
     *                      benchmarks); null for OTLP
     */
    public GatewayModule(GatewayConfig config, SpanProcessor spanProcessor) {
        this.config = config;
        this.spanProcessor = spanProcessor;
    }

    @Override
    protected void configure() {
        bind(GatewayConfig.class).toInstance(config);
        install(new BackendModule());
        install(new DispatchModule());
        install(new ServerModule());
        install(new TelemetryModule(spanProcessor));
    }
}
