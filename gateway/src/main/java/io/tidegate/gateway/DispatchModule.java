package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.dispatch.DispatchStats;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.priority.Prioritizer;
import io.tidegate.gateway.priority.StaticPrioritizer;
import jakarta.inject.Singleton;

/** Wires the ingress queues (also as {@link DispatchStats}) and the default (static) {@link Prioritizer}. */
final class DispatchModule extends AbstractModule {

    @Override
    protected void configure() {
        bind(Prioritizer.class).to(StaticPrioritizer.class).in(Singleton.class);
        bind(DispatchStats.class).to(IngressDispatcher.class);
    }

    @Provides
    @Singleton
    IngressDispatcher ingressDispatcher(Backend backend, GatewayConfig config) {
        return new IngressDispatcher(backend, config.dispatch());
    }
}
