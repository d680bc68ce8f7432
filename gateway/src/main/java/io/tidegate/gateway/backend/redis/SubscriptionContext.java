package io.tidegate.gateway.backend.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.tidegate.gateway.backend.GroupSteerings;
import io.tidegate.gateway.backend.GapCounter;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.IntSupplier;

/**
 * What every subscription of one backend shares: where to open its reader connection, the
 * control connection for commands that must not wait behind a blocked read (acks, CLIENT
 * UNBLOCK), the writer (dead letters, subscribe fence), the topic registry, the worker pool and
 * the settings. Immutable; thread-safe.
 *
 * @param controlConnection shared auto-flushing connection; never used for blocking commands
 * @param executor  runs read results, sink calls and timers; never Lettuce's event loop
 * @param reads     breaker, backoff and time limit shared by every subscription's reads and acks
 * @param incarnation told when a reader sees a sign that Redis lost its data
 * @param steerings  {@code delivery.balancer = predictive}: each group's steering on this gateway
 * @param gaps      counts the holes broadcast subscriptions report
 * @param shared    the readers broadcast subscriptions and group members share; null when each opens its own
 * @param strictMembers the strict-key-order group members here, for an ack that readies a key for another one
 * @param liveReadCount most entries per stream in one read ({@code backend.redis.read-count}), read at
 *                  each read: the tuning controller may move it
 */
record SubscriptionContext(
        String gatewayId,
        RedisKeys keys,
        RedisConnector connector,
        SharedConnection controlConnection,
        RedisStreamWriter writer,
        TopicRegistry registry,
        ScheduledExecutorService executor,
        Duration blockTimeout,
        IntSupplier liveReadCount,
        Duration reclaimInterval,
        int maxDeliveries,
        Duration defaultAckDeadline,
        ReadGuard reads,
        IncarnationWatch incarnation,
        GroupSteerings<GroupSubscription> steerings,
        GapCounter gaps,
        SharedStreamReaders shared,
        StrictMembers strictMembers) {

    /** Most entries per stream in one read, now. */
    int readCount() {
        return liveReadCount.getAsInt();
    }

    /** Commands on the control connection (routed by key on a cluster). */
    RedisClusterAsyncCommands<byte[], byte[]> control() {
        return controlConnection.async();
    }
}
