package io.tidegate.gateway.backend.redis;

import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices when Redis has lost its data (FLUSHALL, or a restart or failover to a Redis without
 * it), which Redis itself never reports: streams, consumer groups and dedup ids are simply
 * gone, and the gateway would go on as if nothing happened.
 *
 * <p>How: every gateway on the bus shares one <em>incarnation</em> key ({@code
 * <prefix>:incarnation}), a random id written with {@code SET NX} by whichever gateway finds it
 * missing, so replicas agree on one value. Each gateway remembers the value it saw last and
 * compares it every {@link #CHECK_INTERVAL} and whenever a reader sees a sign of loss (a
 * consumer group gone). A missing or different value means the data it stood for is gone: the
 * watch writes (or adopts) the new incarnation, logs one error, counts it and calls the reset
 * listener once. A Redis that is unreachable is not a loss: the check fails and is tried again.
 *
 * <p>Limits: on Redis Cluster the key lives on one node, so a loss on another node alone is
 * not seen; an eviction policy that may evict keys without a TTL ({@code allkeys-*}) can evict
 * the key and cause a false reset.
 *
 * <p>Threading: {@link #start()} blocks (start-up); {@link #check} may be called from any thread,
 * never blocks, and runs one check at a time (a check asked for while one runs is folded into
 * it). The listener is called from Lettuce's or the worker pool's threads and must not block.
 */
final class IncarnationWatch {

    private static final Logger LOG = LoggerFactory.getLogger(IncarnationWatch.class);

    /** How often the key is compared; bounds how long a loss goes unnoticed while Redis is quiet. */
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    private final RedisClusterAsyncCommands<byte[], byte[]> redis;
    private final byte[] key;
    private final String keyName;
    private final String address;
    private final BiConsumer<String, Instant> onReset;
    private final AtomicBoolean checking = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private final AtomicLong resets = new AtomicLong();
    private volatile byte[] current;

    /**
     * @param onReset called once per loss with the reason for subscribers and when it was found
     */
    IncarnationWatch(RedisClusterAsyncCommands<byte[], byte[]> redis, RedisKeys keys, String address,
                     BiConsumer<String, Instant> onReset) {
        this.redis = redis;
        this.key = keys.incarnation();
        this.keyName = RedisKeys.string(key);
        this.address = address;
        this.onReset = onReset;
    }

    /** Writes the incarnation if there is none yet and remembers the one Redis holds; blocks. */
    void start() {
        current = establish().orTimeout(RedisConnector.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /** How many losses this gateway has found since it started. */
    long resets() {
        return resets.get();
    }

    /**
     * Compares the key with the incarnation last seen, without blocking.
     *
     * @param sign what prompted the check, for the log ("periodic check", "consumer group ... missing")
     */
    void check(String sign) {
        if (!checking.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        again.set(false);
        CompletableFuture<Void> done;
        try {
            done = redis.get(key).toCompletableFuture().thenCompose(seen -> {
                if (seen != null && Arrays.equals(seen, current)) {
                    return CompletableFuture.completedFuture(null);
                }
                return establish().thenAccept(now -> changed(seen, now, sign));
            });
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        done.whenComplete((v, error) -> {
            if (error != null) {
                // Unreachable or refusing: says nothing about loss; the next check tries again.
                LOG.debug("incarnation check on {} failed: {}", address, error.toString());
            }
            checking.set(false);
            if (again.get()) {
                check(sign);
            }
        });
    }

    /** SET NX a fresh id, then reads back which one won (ours or another gateway's). */
    private CompletableFuture<byte[]> establish() {
        byte[] fresh = RedisKeys.bytes(UUID.randomUUID().toString());
        return redis.set(key, fresh, SetArgs.Builder.nx()).toCompletableFuture()
                .thenCompose(ok -> redis.get(key).toCompletableFuture())
                .thenApply(won -> won != null ? won : fresh);
    }

    private void changed(byte[] seen, byte[] now, String sign) {
        byte[] before = current;
        if (Arrays.equals(before, now)) {
            return;
        }
        current = now;
        resets.incrementAndGet();
        Instant at = Instant.now();
        String what = seen == null ? "is gone" : "changed to " + RedisKeys.string(seen);
        LOG.error("Redis at {} lost its stored data: the incarnation key {} {} (was {}; noticed by {}). Every stream, "
                        + "consumer group, pending entry and dedup id stored before now may be gone; subscriptions "
                        + "are told (BackendReset) and go on with what is stored from now on. Check what flushed or "
                        + "replaced Redis, and its persistence settings.",
                address, keyName, what, RedisKeys.string(before), sign);
        onReset.accept("Redis lost its stored data (incarnation key " + what + ", noticed by " + sign
                + "); messages stored before now may be gone", at);
    }
}
