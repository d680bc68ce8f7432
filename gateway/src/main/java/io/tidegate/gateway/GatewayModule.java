package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import io.tidegate.gateway.backend.BackendModule;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.dispatch.DispatchModule;
import io.tidegate.gateway.server.ServerModule;

/** The whole gateway: configuration, backend, dispatch and server. */
public final class GatewayModule extends AbstractModule {

    private final GatewayConfig config;

    public GatewayModule(GatewayConfig config) {
        this.config = config;
    }

    @Override
    protected void configure() {
        bind(GatewayConfig.class).toInstance(config);
        install(new BackendModule());
        install(new DispatchModule());
        install(new ServerModule());
    }
}
