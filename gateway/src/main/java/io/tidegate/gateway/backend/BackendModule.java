package io.tidegate.gateway.backend;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import io.tidegate.gateway.backend.memory.MemoryBackend;
import io.tidegate.gateway.backend.redis.RedisBackend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.resilience.DiskSpool;
import io.tidegate.gateway.resilience.DeferredBackend;
import io.tidegate.gateway.resilience.ResilientBackend;
import jakarta.inject.Singleton;
import java.nio.file.Path;

/**
 * Wires the backend the configuration chose: embedded memory or Redis Streams. Redis is wrapped
 * in a {@link ResilientBackend} (breaker, retry, time limit, disk spool) unless
 * {@code resilience.enabled} is false.
 */
public final class BackendModule extends AbstractModule {

    @Provides
    @Singleton
    Backend backend(GatewayConfig config) {
        return switch (config.backend().type()) {
            case MEMORY -> new MemoryBackend(config);
            case REDIS -> config.resilience().enabled()
                    // may start during a Redis outage: the spool takes publishes meanwhile
                    ? resilient(new DeferredBackend("redis", () -> new RedisBackend(config)), config)
                    : new RedisBackend(config);
        };
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
