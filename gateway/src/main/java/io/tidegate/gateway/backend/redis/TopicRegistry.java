package io.tidegate.gateway.backend.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's view of every topic that exists in Redis, so pattern subscriptions can read
 * topics first appended after they started, by any replica. The writer adds a topic to the set
 * {@code <prefix>:topics} and announces it on {@code <prefix>:topics:new}; this registry listens
 * on that channel (discovery within a round trip) and re-reads the set periodically, because
 * pub/sub drops messages while its connection is down.
 *
 * <p>Threading: thread-safe. Listeners run on the given executor, never on Lettuce's event loop.
 */
final class TopicRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicRegistry.class);

    /** How often the whole set is re-read; only a safety net behind pub/sub. */
    static final Duration REFRESH_INTERVAL = Duration.ofSeconds(5);

    private final RedisKeys keys;
    private final StatefulRedisPubSubConnection<byte[], byte[]> pubSub;
    private final RedisClusterAsyncCommands<byte[], byte[]> control;
    private final Executor executor;
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    /** Subscribes to announcements, then loads the set; blocks (start-up). */
    TopicRegistry(RedisKeys keys, StatefulRedisPubSubConnection<byte[], byte[]> pubSub,
                  RedisClusterAsyncCommands<byte[], byte[]> control, Executor executor) {
        this.keys = keys;
        this.pubSub = pubSub;
        this.control = control;
        this.executor = executor;
        pubSub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] channel, byte[] message) {
                String topic = RedisKeys.string(message);
                executor.execute(() -> discovered(topic));
            }
        });
        // Listening before loading: a topic announced in between is seen twice, never missed.
        pubSub.sync().subscribe(keys.topicChannel());
        refresh().join();
    }

    /** The topics known now. */
    Set<String> snapshot() {
        return Set.copyOf(topics);
    }

    /** Calls {@code listener} with each topic discovered from now on (possibly more than once). */
    void addListener(Consumer<String> listener) {
        listeners.add(listener);
    }

    void removeListener(Consumer<String> listener) {
        listeners.remove(listener);
    }

    /** Re-reads the topic set; completes with what Redis holds. */
    CompletableFuture<Set<String>> refresh() {
        return control.smembers(keys.topicSet()).toCompletableFuture().thenApplyAsync(members -> {
            Set<String> remote = new HashSet<>();
            for (byte[] m : members) {
                String topic = RedisKeys.string(m);
                remote.add(topic);
                discovered(topic);
            }
            return remote;
        }, executor);
    }

    boolean isConnected() {
        return pubSub.isOpen();
    }

    @Override
    public void close() {
        listeners.clear();
        pubSub.close();
    }

    private void discovered(String topic) {
        if (topics.add(topic)) {
            for (Consumer<String> listener : listeners) {
                try {
                    listener.accept(topic);
                } catch (RuntimeException e) {
                    LOG.warn("topic listener failed for {}", topic, e);
                }
            }
        }
    }
}
