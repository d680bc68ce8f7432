package io.tidegate.gateway.server;

import com.google.inject.AbstractModule;

/** Wires the gRPC server. */
public final class ServerModule extends AbstractModule {

    @Override
    protected void configure() {
        bind(GatewayServer.class);
    }
}
