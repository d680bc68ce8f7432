package io.tidegate.gateway.backend.redis;

import io.tidegate.gateway.backend.SharedHash;
import io.tidegate.gateway.config.GatewayConfig;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SharedHash} kept as one Redis hash, {@code <key-prefix>:<name>} (see {@link RedisKeys}),
 * over a connection of its own so it never queues behind appends or blocked reads. Writes are
 * asynchronous {@code HSET}s; a failed one is counted and logged, and the fact is simply relearned.
 * Thread-safe.
 */
public final class RedisSharedHash implements SharedHash {

    private static final Logger log = LoggerFactory.getLogger(RedisSharedHash.class);

    private final RedisConnector connector;
    private final SharedConnection connection;
    private final byte[] key;
    private final String keyName;
    private final AtomicLong failedWrites = new AtomicLong();

    /**
     * Connects; blocks.
     *
     * @param name the hash's name under the key prefix, e.g. {@code instruments}
     */
    public RedisSharedHash(GatewayConfig.Redis config, String name) {
        this.keyName = new RedisKeys(config.keyPrefix()).hashName(name);
        this.key = keyName.getBytes(StandardCharsets.UTF_8);
        this.connector = new RedisConnector(config);
        try {
            this.connection = connector.connectShared("tidegate-" + name);
        } catch (RuntimeException e) {
            connector.close();
            throw e;
        }
    }

    @Override
    public Map<String, byte[]> entries() {
        try {
            Map<byte[], byte[]> raw = connection.async().hgetall(key).toCompletableFuture()
                    .get(RedisConnector.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<String, byte[]> out = new HashMap<>(raw.size() * 2);
            raw.forEach((field, value) -> out.put(new String(field, StandardCharsets.UTF_8), value));
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        } catch (Exception e) {
            log.warn("cannot read {} from Redis; starting without it", keyName, e);
            return Map.of();
        }
    }

    @Override
    public void put(String field, byte[] value) {
        try {
            connection.async().hset(key, field.getBytes(StandardCharsets.UTF_8), value)
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            failed(e);
                        }
                    });
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** HSETs that failed. */
    public long failedWrites() {
        return failedWrites.get();
    }

    private void failed(Throwable e) {
        if (failedWrites.getAndIncrement() % 1000 == 0) {
            log.warn("writing to {} failed; {} failures so far", keyName, failedWrites.get(), e);
        }
    }

    @Override
    public void close() {
        connection.close();
        connector.close();
    }
}
