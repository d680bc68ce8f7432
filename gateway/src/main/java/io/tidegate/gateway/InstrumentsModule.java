package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.multibindings.Multibinder;
import io.tidegate.gateway.backend.SharedHash;
import io.tidegate.gateway.backend.redis.RedisSharedHash;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.instruments.CoMovementLearner;
import io.tidegate.gateway.instruments.InstrumentRegistry;
import io.tidegate.gateway.instruments.InstrumentsGrpcService;
import io.tidegate.gateway.market.InstrumentDirectory;
import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.gateway.server.AttachedService;
import io.tidegate.intelligence.instrument.CoMovementTracker;
import io.tidegate.intelligence.instrument.InstrumentCatalog;
import io.tidegate.intelligence.instrument.SymbolResolver;
import jakarta.inject.Singleton;

/**
 * Wires instrument identity: the {@link InstrumentRegistry} joins the market-data tap's queued
 * listeners (it reads {@code data.instruments.<VENUE>}), answers the server as the
 * {@link InstrumentDirectory} that subscriptions by instrument follow, and backs the
 * {@code InstrumentsService} attached to the gateway's port; with
 * {@code intelligence.instruments.co-movement.enabled} a {@link CoMovementLearner} joins them too and
 * teaches the registry aliases from prices.
 */
final class InstrumentsModule extends AbstractModule {

    private final GatewayConfig.Instruments config;
    private final GatewayConfig.BackendChoice backend;

    InstrumentsModule(GatewayConfig.Instruments config, GatewayConfig.BackendChoice backend) {
        this.config = config;
        this.backend = backend;
    }

    @Override
    protected void configure() {
        Multibinder.newSetBinder(binder(), MarketDataListener.class).addBinding().to(InstrumentRegistry.class);
        Multibinder.newSetBinder(binder(), AttachedService.class).addBinding().to(InstrumentsGrpcService.class);
        bind(InstrumentDirectory.class).to(InstrumentRegistry.class);
        if (config.coMovement().enabled()) {
            Multibinder.newSetBinder(binder(), MarketDataListener.class).addBinding().to(CoMovementLearner.class);
        }
    }

    @Provides
    @Singleton
    CoMovementLearner coMovementLearner(InstrumentRegistry registry) {
        GatewayConfig.CoMovement c = config.coMovement();
        return new CoMovementLearner(new CoMovementTracker.Settings(c.maxBps(), c.minSamples(),
                c.minDuration().toNanos(), c.maxSkew().toNanos(), c.maxSymbols(), c.maxPairs()), registry);
    }

    /**
     * The registry, its listings kept in the Redis hash {@code <key-prefix>:instruments} with the
     * Redis backend (connected in the background, so a Redis outage does not hold up the start), in
     * memory only with the memory backend.
     */
    @Provides
    @Singleton
    InstrumentRegistry registry() {
        SharedHash store = backend.type() == GatewayConfig.BackendType.REDIS
                ? new RedisSharedHash(backend.redis(), "instruments",
                        // a listing and the aliases it teaches, per listing kept at most
                        (int) Math.min(Integer.MAX_VALUE, 3L * config.maxListings()))
                : SharedHash.none();
        return new InstrumentRegistry(new InstrumentCatalog(SymbolResolver.withVenueRules(), config.maxListings()), store,
                config.coMovement().maxPending());
    }

    @Provides
    @Singleton
    InstrumentsGrpcService service(InstrumentRegistry registry) {
        return new InstrumentsGrpcService(registry.catalog());
    }
}
