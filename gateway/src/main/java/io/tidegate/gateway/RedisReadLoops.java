package io.tidegate.gateway;

import io.tidegate.gateway.backend.ReadLoop;
import io.tidegate.gateway.backend.redis.RedisBackend;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The read loops of the Redis backend once it exists (it may start in the background during an
 * outage), for the read-loop watchdog; none with the memory backend. Thread-safe.
 */
@Singleton
final class RedisReadLoops implements Supplier<List<ReadLoop>> {

    private final AtomicReference<RedisBackend> backend = new AtomicReference<>();

    /** Remembers the backend; returns it. */
    RedisBackend attach(RedisBackend redis) {
        backend.set(redis);
        return redis;
    }

    @Override
    public List<ReadLoop> get() {
        RedisBackend b = backend.get();
        return b == null ? List.of() : b.readLoops();
    }

    /** False while the breaker over the reads is not closed: the loops then wait for Redis by design. */
    boolean readsHealthy() {
        RedisBackend b = backend.get();
        String state = b == null ? null : b.readGuard().breakerState();
        return state == null || state.equals("closed");
    }
}
