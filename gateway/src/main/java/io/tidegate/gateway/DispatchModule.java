package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.multibindings.OptionalBinder;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.InvalidConfigException;
import io.tidegate.gateway.dispatch.DispatchStats;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.priority.LanePolicies;
import io.tidegate.gateway.priority.PolicyFallbacks;
import io.tidegate.gateway.priority.Prioritizer;
import io.tidegate.gateway.priority.RegimePrioritizer;
import io.tidegate.gateway.priority.RegimeRoutes;
import io.tidegate.gateway.priority.RegimeSource;
import io.tidegate.gateway.regime.BookRegimeSource;
import io.tidegate.gateway.routing.InvalidTopicException;
import jakarta.inject.Singleton;

/**
 * Wires the ingress queues (also as {@link DispatchStats}), the lane policies of the ingress and
 * outbound lanes ({@code dispatch.policy}), and the {@link Prioritizer}: the publisher's priority
 * moved by the regime rules. The {@link RegimeSource} defaults to the regime detector's book;
 * a module may set it with {@code OptionalBinder.newOptionalBinder(binder(), RegimeSource.class).setBinding()}.
 */
final class DispatchModule extends AbstractModule {

    @Override
    protected void configure() {
        OptionalBinder.newOptionalBinder(binder(), RegimeSource.class).setDefault().to(BookRegimeSource.class);
        bind(PolicyFallbacks.class).in(Singleton.class);
        bind(DispatchStats.class).to(IngressDispatcher.class);
    }

    @Provides
    @Singleton
    LanePolicies lanePolicies(GatewayConfig config, PolicyFallbacks fallbacks) {
        return new LanePolicies(config.dispatch().scheduling(), fallbacks);
    }

    @Provides
    @Singleton
    RegimeRoutes regimeRoutes(GatewayConfig config, RegimeSource regimes) {
        try {
            return new RegimeRoutes(config.dispatch().scheduling().regimeRules(), regimes);
        } catch (InvalidTopicException e) {
            throw new InvalidConfigException("dispatch.regime-rules: " + e.getMessage());
        }
    }

    @Provides
    @Singleton
    Prioritizer prioritizer(RegimeRoutes routes) {
        return new RegimePrioritizer(routes);
    }

    @Provides
    @Singleton
    IngressDispatcher ingressDispatcher(Backend backend, GatewayConfig config, LanePolicies policies) {
        return new IngressDispatcher(backend, config.dispatch(), policies);
    }
}
