package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.server.GatewayServer;
import io.tidegate.gateway.server.ServerStats;

/**
 * The composition root: the whole gateway (configuration, backend stack, dispatch, server and
 * telemetry) is wired here and only here; no other package knows Guice or stacks decorators.
 */
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
        install(new BackendStackModule());
        install(new DispatchModule());
        install(new TelemetryModule(spanProcessor));
        bind(GatewayServer.class);
        bind(ServerStats.class).to(GatewayServer.class);
    }
}
