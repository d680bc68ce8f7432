package io.tidegate.gateway.backend.redis;

import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wake-ups of the shared readers on Redis Cluster: one sharded pub/sub connection per
 * gateway that SSUBSCRIBEs the wake channel ({@link RedisKeys#wakeChannel}) of each topic a
 * reader follows, on which {@code append.lua} SPUBLISHes after appending. Lettuce sends each
 * SSUBSCRIBE to the node owning the channel's slot (the topic's slot), over one link per node,
 * so the connections grow with the shards, not with the topics.
 *
 * <p>Pub/sub is at most once: a wake lost while a link reconnects, or while a slot moves (Redis
 * unsubscribes its channels; they are subscribed again here, at the new owner), is made up for
 * by the readers' re-read every block time ({@link WokenHeadRead}).
 *
 * <p>Threading: thread-safe; callbacks run on Lettuce's event loop and must not block.
 */
final class ShardWakes implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShardWakes.class);
    private static final long RESUBSCRIBE_MILLIS = 200;

    private final StatefulRedisClusterPubSubConnection<byte[], byte[]> connection;
    private final RedisKeys keys;
    private final ScheduledExecutorService executor;
    /** Wake channel name to what it wakes. */
    private final Map<String, Runnable> watched = new ConcurrentHashMap<>();

    ShardWakes(StatefulRedisClusterPubSubConnection<byte[], byte[]> connection, RedisKeys keys,
               ScheduledExecutorService executor) {
        this.connection = connection;
        this.keys = keys;
        this.executor = executor;
        openLinksToEveryMaster();
        connection.addListener(new RedisClusterPubSubAdapter<>() {
            @Override
            public void smessage(RedisClusterNode node, byte[] channel, byte[] message) {
                Runnable wake = watched.get(RedisKeys.string(channel));
                if (wake != null) {
                    wake.run();
                }
            }

            @Override
            public void sunsubscribed(RedisClusterNode node, byte[] channel, long count) {
                // ours, or Redis's when the slot moved away from the node: follow it if still watched
                String name = RedisKeys.string(channel);
                if (watched.containsKey(name)) {
                    executor.schedule(() -> subscribe(name), RESUBSCRIBE_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        });
    }

    /**
     * Calls {@code wake} whenever {@code topic} gets entries, until {@link #unwatch}; one watcher
     * per topic. Completes once Redis confirmed the subscription (or it failed and is retried):
     * a read started before that could miss the wake-up of an append right after it.
     */
    CompletableFuture<Void> watch(String topic, Runnable wake) {
        String channel = RedisKeys.string(keys.wakeChannel(topic));
        if (watched.put(channel, wake) == null) {
            return subscribe(channel);
        }
        return CompletableFuture.completedFuture(null);
    }

    void unwatch(String topic) {
        String channel = RedisKeys.string(keys.wakeChannel(topic));
        if (watched.remove(channel) != null && connection.isOpen()) {
            connection.async().sunsubscribe(RedisKeys.bytes(channel));
        }
    }

    /**
     * Opens the link to every master up front (blocks, at start-up): Lettuce opens one on the
     * first SSUBSCRIBE for a node and rejects commands while it connects, which would leave a
     * reader without wake-ups until the retry.
     */
    private void openLinksToEveryMaster() {
        CompletableFuture<?>[] links = connection.getPartitions().stream()
                .filter(node -> node.getRole().isUpstream())
                .map(node -> connection.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort()))
                .toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(links).orTimeout(RedisConnector.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /** The number of wake channels followed, for tests and logs. */
    int watching() {
        return watched.size();
    }

    /** Completes once Redis confirmed the subscription, after retries, or once nobody watches the channel any more. */
    private CompletableFuture<Void> subscribe(String channel) {
        if (!watched.containsKey(channel) || !connection.isOpen()) {
            return CompletableFuture.completedFuture(null);
        }
        return connection.async().ssubscribe(RedisKeys.bytes(channel)).toCompletableFuture().handle((ok, error) -> {
            if (error == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            LOG.debug("SSUBSCRIBE {} failed ({}); retrying", channel, error.toString());
            CompletableFuture<Void> retried = new CompletableFuture<>();
            executor.schedule(() -> subscribe(channel).whenComplete((v, e) -> retried.complete(null)),
                    RESUBSCRIBE_MILLIS, TimeUnit.MILLISECONDS);
            return retried;
        }).thenCompose(f -> f);
    }

    @Override
    public void close() {
        watched.clear();
        connection.close();
    }
}
