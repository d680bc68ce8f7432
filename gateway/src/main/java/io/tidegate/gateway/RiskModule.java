package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.redis.RedisAccess;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.SettingUnusableException;
import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.gateway.monitoring.AdminRoute;
import io.tidegate.gateway.monitoring.ReadinessCondition;
import io.tidegate.gateway.risk.KillAdminRoutes;
import io.tidegate.gateway.risk.KillSwitches;
import io.tidegate.gateway.risk.MidPrices;
import io.tidegate.gateway.risk.OrderRiskGate;
import io.tidegate.gateway.risk.RiskGrpcService;
import io.tidegate.gateway.risk.RiskLimits;
import io.tidegate.gateway.risk.RiskRefusals;
import io.tidegate.gateway.server.AttachedService;
import io.tidegate.gateway.server.InternalPublisher;
import io.tidegate.gateway.server.RiskGate;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * Wires the pre-trade risk gate when {@code risk.enabled} is true: the mid prices (an inline market
 * listener), the limits, the kill switches (in Redis with the redis backend, else in this
 * process), the gate on the publish path (following every replica's orders and events with the
 * redis backend), {@code RiskService} and the admin routes.
 */
final class RiskModule extends AbstractModule {

    private final GatewayConfig config;

    RiskModule(GatewayConfig config) {
        this.config = config;
    }

    @Override
    protected void configure() {
        Multibinder.newSetBinder(binder(), MarketDataListener.class).addBinding().to(MidPrices.class);
        Multibinder.newSetBinder(binder(), AttachedService.class).addBinding().to(RiskGrpcService.class);
    }

    @Provides
    @Singleton
    MidPrices mids() {
        return new MidPrices(config.risk().maxInstruments());
    }

    /** Limits or a limits file that cannot be used stop start-up naming the key (exit 3). */
    @Provides
    @Singleton
    RiskLimits limits() {
        try {
            return new RiskLimits(config.risk());
        } catch (IllegalArgumentException e) {
            throw new SettingUnusableException(e.getMessage(), e);
        }
    }

    @Provides
    @Singleton
    KillSwitches kills() {
        if (config.backend().type() == GatewayConfig.BackendType.REDIS) {
            GatewayConfig.Redis redis = config.backend().redis();
            RedisAccess access = RedisAccess.of(redis); // the backend's login and TLS
            return KillSwitches.onRedis(redis.keyPrefix(), redis.isCluster(), access.seeds(), access.ssl(),
                    Clock.systemUTC(), config.risk().killPollInterval());
        }
        return KillSwitches.inMemory(Clock.systemUTC());
    }

    @Provides
    RiskGate gate(OrderRiskGate gate) {
        return gate;
    }

    /** /readyz stays 503 until the gate has read the retained orders and events (redis backend). */
    @ProvidesIntoSet
    ReadinessCondition rebuilt(OrderRiskGate gate) {
        return gate::notReadyReason;
    }

    @Provides
    @Singleton
    OrderRiskGate orderGate(RiskLimits limits, MidPrices mids, KillSwitches kills, RiskRefusals refusals,
                            InternalPublisher publisher, Backend backend) {
        OrderRiskGate gate = new OrderRiskGate(config.risk(), limits, mids, kills, refusals, publisher::publish,
                config.gatewayId(), Clock.systemUTC());
        if (config.backend().type() == GatewayConfig.BackendType.REDIS) {
            gate.followBus(backend); // replicas share Redis: limits hold for the strategy, not per replica
        }
        return gate;
    }

    @Provides
    @Singleton
    RiskGrpcService service(KillSwitches kills) {
        return new RiskGrpcService(kills, config.risk().adminRole());
    }

    @Provides
    @Singleton
    KillAdminRoutes adminRoutes(KillSwitches kills) {
        return new KillAdminRoutes(kills);
    }

    @ProvidesIntoSet
    AdminRoute kill(KillAdminRoutes routes) {
        return routes.routes().get(0);
    }

    @ProvidesIntoSet
    AdminRoute revive(KillAdminRoutes routes) {
        return routes.routes().get(1);
    }

    @ProvidesIntoSet
    AdminRoute list(KillAdminRoutes routes) {
        return routes.routes().get(2);
    }
}
