package io.tidegate.gateway;

import io.tidegate.gateway.backend.redis.RedisBackend;
import io.tidegate.gateway.config.GatewayConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The Redis backend's read count ({@code backend.redis.read-count}) as a setting the tuning
 * controller can move whether or not the backend exists yet (it may start in the background
 * during an outage): a value set before then applies when the backend attaches.
 *
 * <p>Threading: thread-safe.
 */
@Singleton
final class RedisReadCount {

    private RedisBackend backend;
    private int value;

    @Inject
    RedisReadCount(GatewayConfig config) {
        this.value = config.backend().redis().readCount();
    }

    /** Gives {@code redis} the current value and follows it from now on; returns it. */
    synchronized RedisBackend attach(RedisBackend redis) {
        backend = redis;
        redis.readCount(value);
        return redis;
    }

    synchronized int get() {
        return value;
    }

    synchronized void set(int entries) {
        value = entries;
        if (backend != null) {
            backend.readCount(entries);
        }
    }
}
