package io.tidegate.gateway.backend.redis;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.resilience.BreakerReadGuard;

/**
 * Opens a {@link RedisBackend} from a whole configuration the way the composition root does:
 * its slices, consumer lag measured when metrics are on, reads behind a circuit breaker.
 * Stateless; any thread.
 */
final class ConfiguredRedisBackend {

    private ConfiguredRedisBackend() {
    }

    static RedisBackend open(GatewayConfig config) {
        GatewayConfig.Redis redis = config.backend().redis();
        return new RedisBackend(redis, config.storage(),
                config.otel().metricsEnabled() ? config.otel().consumerLagInterval() : null,
                new BreakerReadGuard("redis", config.resilience(), redis.blockTimeout()));
    }
}
