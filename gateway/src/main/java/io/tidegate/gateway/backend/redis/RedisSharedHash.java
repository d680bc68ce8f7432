package io.tidegate.gateway.backend.redis;

import io.lettuce.core.ScriptOutputType;
import io.tidegate.gateway.backend.SharedHash;
import io.tidegate.gateway.config.GatewayConfig;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SharedHash} kept as one Redis hash, {@code <key-prefix>:<name>} (see {@link RedisKeys}),
 * over a connection of its own so it never queues behind appends or blocked reads. It connects in
 * the background, retrying with growing pauses while Redis is down, so the gateway starts during an
 * outage; writes are asynchronous {@code HSET}s ({@link #putIfNewer}: a Lua compare-and-set on the
 * version field), those made before the connection wait for it (latest per field, bounded), and one
 * that fails is counted and logged, the fact simply relearned. Thread-safe.
 */
public final class RedisSharedHash implements SharedHash {

    private static final Logger log = LoggerFactory.getLogger(RedisSharedHash.class);
    private static final long MAX_RETRY_MILLIS = 30_000;

    private final GatewayConfig.Redis config;
    private final String name;
    private final byte[] key;
    private final String keyName;
    private final AtomicLong failedWrites = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong notNewer = new AtomicLong();
    private final CompletableFuture<SharedConnection> connected = new CompletableFuture<>();
    private final Thread connector;
    private volatile RedisConnector redisConnector;
    /** Writes made before the connection, latest per field, at most {@code maxPending}. */
    private final ConcurrentHashMap<String, Write> pending = new ConcurrentHashMap<>();
    private final int maxPending;
    private volatile boolean closed;

    /**
     * Starts connecting in the background; never blocks.
     *
     * @param name       the hash's name under the key prefix, e.g. {@code instruments}
     * @param maxPending fields kept for writing while not connected yet; further ones are dropped
     */
    public RedisSharedHash(GatewayConfig.Redis config, String name, int maxPending) {
        this.maxPending = maxPending;
        this.config = config;
        this.name = name;
        this.keyName = new RedisKeys(config.keyPrefix()).hashName(name);
        this.key = keyName.getBytes(StandardCharsets.UTF_8);
        this.connector = new Thread(this::connect, "tidegate-" + name + "-connect");
        connector.setDaemon(true);
        connector.start();
    }

    private void connect() {
        long pause = 500;
        while (!closed) {
            RedisConnector c = new RedisConnector(config);
            try {
                SharedConnection connection = c.connectShared("tidegate-" + name);
                redisConnector = c;
                if (closed) {
                    connection.close();
                    c.close();
                    return;
                }
                connected.complete(connection);
                flushPending(connection);
                return;
            } catch (RuntimeException e) {
                c.close();
                log.warn("{}: Redis not reachable ({}); retrying in {} ms", keyName, e.getMessage(), pause);
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
            pause = Math.min(MAX_RETRY_MILLIS, pause * 2);
        }
    }

    @Override
    public void load(Consumer<Map<String, byte[]>> loaded) {
        connected.thenCompose(c -> c.async().hgetall(key).toCompletableFuture())
                .orTimeout(RedisConnector.COMMAND_TIMEOUT.toMillis() * 4, TimeUnit.MILLISECONDS)
                .whenComplete((raw, error) -> {
                    if (error != null) {
                        log.warn("cannot read {} from Redis; going on without it", keyName, error);
                        return;
                    }
                    Map<String, byte[]> out = new HashMap<>(raw.size() * 2);
                    raw.forEach((field, value) -> out.put(new String(field, StandardCharsets.UTF_8), value));
                    loaded.accept(out);
                });
    }

    @Override
    public void put(String field, byte[] value) {
        put(field, new Write(value, Write.UNVERSIONED));
    }

    @Override
    public void putIfNewer(String field, byte[] value, long version) {
        put(field, new Write(value, Math.max(0, version)));
    }

    private void put(String field, Write w) {
        SharedConnection c = connected.getNow(null);
        if (c == null) {
            if (pending.size() >= maxPending && !pending.containsKey(field)) {
                failed(new IllegalStateException("not connected to Redis yet and " + maxPending + " writes wait"));
                return;
            }
            // the latest write per field is the one to keep: callers write a field's versions in order
            pending.put(field, w);
            c = connected.getNow(null);
            if (c != null) {
                // connected meanwhile: the connector's flush may have run before this write was queued
                flushPending(c);
            }
            return;
        }
        write(c, field, w);
    }

    private void flushPending(SharedConnection c) {
        for (String field : pending.keySet()) {
            Write w = pending.remove(field);
            if (w != null) {
                write(c, field, w);
            }
        }
    }

    private void write(SharedConnection c, String field, Write w) {
        byte[] fieldBytes = field.getBytes(StandardCharsets.UTF_8);
        try {
            if (w.version() == Write.UNVERSIONED) {
                c.async().hset(key, fieldBytes, w.value()).whenComplete((r, e) -> done(e, true));
            } else {
                LuaScript.PUT_IF_NEWER.<Long>run(c.async(), ScriptOutputType.INTEGER, new byte[][] {key}, fieldBytes,
                                w.value(), SharedHash.versionField(field).getBytes(StandardCharsets.UTF_8),
                                Long.toString(w.version()).getBytes(StandardCharsets.US_ASCII))
                        .whenComplete((r, e) -> done(e, r != null && r == 1L));
            }
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void done(Throwable error, boolean written) {
        if (error != null) {
            failed(error);
        } else if (written) {
            writes.incrementAndGet();
        } else {
            notNewer.incrementAndGet();
        }
    }

    /** Writes that failed or were dropped before the connection. */
    public long failedWrites() {
        return failedWrites.get();
    }

    /** Writes that changed the hash: every {@link #put}, and each {@link #putIfNewer} that was newer. */
    public long writes() {
        return writes.get();
    }

    /** {@link #putIfNewer} writes Redis refused because it held a version at least as new. */
    public long notNewer() {
        return notNewer.get();
    }

    private void failed(Throwable e) {
        if (failedWrites.getAndIncrement() % 1000 == 0) {
            log.warn("writing to {} failed ({}); {} failures so far", keyName, e.getMessage(), failedWrites.get());
        }
    }

    @Override
    public void close() {
        closed = true;
        connector.interrupt();
        SharedConnection c = connected.getNow(null);
        if (c != null) {
            c.close();
        }
        RedisConnector rc = redisConnector;
        if (rc != null) {
            rc.close();
        }
    }

    /** A write waiting for the connection; {@code version} is {@link #UNVERSIONED} for a plain {@code put}. */
    private record Write(byte[] value, long version) {
        static final long UNVERSIONED = -1;
    }
}
