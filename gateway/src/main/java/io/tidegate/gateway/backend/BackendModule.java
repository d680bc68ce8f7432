package io.tidegate.gateway.backend;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import io.tidegate.gateway.backend.memory.MemoryBackend;
import io.tidegate.gateway.backend.redis.RedisBackend;
import io.tidegate.gateway.config.GatewayConfig;
import jakarta.inject.Singleton;

/** Wires the backend the configuration chose: embedded memory or Redis Streams. */
public final class BackendModule extends AbstractModule {

    @Provides
    @Singleton
    Backend backend(GatewayConfig config) {
        return switch (config.backend().type()) {
            case MEMORY -> new MemoryBackend(config);
            case REDIS -> new RedisBackend(config);
        };
    }
}
