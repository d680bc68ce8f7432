package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.Provides;
import com.google.inject.name.Named;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.memory.MemoryBackend;
import io.tidegate.gateway.backend.redis.RedisBackend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.resilience.BreakerReadGuard;
import io.tidegate.gateway.resilience.DeferredBackend;
import io.tidegate.gateway.resilience.DiskSpool;
import io.tidegate.gateway.resilience.ResilientBackend;
import io.tidegate.gateway.telemetry.GatewayMetrics;
import io.tidegate.gateway.telemetry.GatewayTracing;
import io.tidegate.gateway.telemetry.InstrumentedBackend;
import jakarta.inject.Singleton;
import java.nio.file.Path;

/**
 * Stacks the backend the configuration chose: embedded memory, or Redis Streams with a circuit
 * breaker over its reads, started in the background ({@link DeferredBackend}) and wrapped in a
 * {@link ResilientBackend} (breaker, retry, time limit, disk spool) unless {@code
 * resilience.enabled} is false; appends are measured and traced by an {@link InstrumentedBackend}
 * on top. The backend packages know none of these decorators.
 */
final class BackendStackModule extends AbstractModule {

    /** The name of the backend binding without instrumentation (for gauges that read its state). */
    static final String STORE = "store";

    @Override
    protected void configure() {
        // a benchmark or test may set it (EmbeddedGateway.start); by default the store is used as it is
        OptionalBinder.newOptionalBinder(binder(), StoreDecorator.class).setDefault().toInstance(store -> store);
    }

    /** The backend the gateway uses: the store, with metrics and spans around its appends. */
    @Provides
    @Singleton
    Backend backend(@Named(STORE) Backend store, GatewayTracing tracing, GatewayMetrics metrics) {
        return new InstrumentedBackend(store, tracing, metrics);
    }

    @Provides
    @Singleton
    @Named(STORE)
    Backend store(GatewayConfig config, RedisReadLoops loops, RedisReadCount readCount, StoreDecorator decorator) {
        return decorator.decorate(chosen(config, loops, readCount));
    }

    private static Backend chosen(GatewayConfig config, RedisReadLoops loops, RedisReadCount readCount) {
        return switch (config.backend().type()) {
            case MEMORY -> new MemoryBackend(config.storage());
            case REDIS -> config.resilience().enabled()
                    // may start during a Redis outage: the spool takes publishes meanwhile
                    ? resilient(new DeferredBackend("redis", () -> loops.attach(readCount.attach(redis(config)))), config)
                    : loops.attach(readCount.attach(redis(config)));
        };
    }

    /** A Redis backend from {@code config}, its reads guarded by a circuit breaker. */
    static RedisBackend redis(GatewayConfig config) {
        GatewayConfig.Redis redis = config.backend().redis();
        return new RedisBackend(redis, config.storage(),
                config.otel().metricsEnabled() ? config.otel().consumerLagInterval() : null,
                new BreakerReadGuard("redis", config.resilience(), redis.blockTimeout()));
    }

    private static Backend resilient(Backend backend, GatewayConfig config) {
        GatewayConfig.Resilience resilience = config.resilience();
        DiskSpool spool;
        try {
            spool = DiskSpool.openSlot(Path.of(resilience.spool().dir()), resilience.spool());
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        return new ResilientBackend(backend, spool, resilience, config.dispatch().maxBatch());
    }
}
