package io.tidegate.gateway.dispatch;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import jakarta.inject.Singleton;

/** Wires the ingress queues, their worker count and the default (static) {@link Prioritizer}. */
public final class DispatchModule extends AbstractModule {

    @Override
    protected void configure() {
        bind(Prioritizer.class).to(StaticPrioritizer.class).in(Singleton.class);
        bind(IngressWorkers.class).toInstance(IngressWorkers.SINGLE);
    }

    @Provides
    @Singleton
    IngressDispatcher ingressDispatcher(Backend backend, GatewayConfig config) {
        return new IngressDispatcher(backend, config.dispatch());
    }
}
