package io.tidegate.gateway.backend.redis;

import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.BackendUnavailableException;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.GroupSteerings;
import io.tidegate.gateway.backend.GapCounter;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.SettingUnusableException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis Streams backend: one stream per topic ({@code <prefix>:s:{<topic>}}), appended by
 * one pipelining writer ({@link RedisStreamWriter}), read by subscriptions that each hold their
 * own connection for blocking reads ({@link BroadcastSubscription} with XREAD,
 * {@link GroupSubscription} with consumer groups, reclaim and dead-lettering). Pattern
 * subscriptions learn about new topics from the {@link TopicRegistry}. Needs Redis 6.2 or later
 * (7.0 on a cluster with shared readers, for sharded pub/sub).
 *
 * <p>Standalone Redis ({@code backend.redis.uri}) or Redis Cluster ({@code
 * backend.redis.cluster-nodes}), one code path: every key of one topic carries the topic as its
 * hash tag (see {@link RedisKeys}), so a topic's stream, dedup buckets and consumer groups live
 * on one slot and every script call touches one slot; keyed commands are routed by Lettuce; only
 * blocking reads differ, one per read group (see {@link RedisConnector} and {@link
 * RedisSubscription}).
 *
 * <p>Connections: one writer, one control connection (acks, CLIENT UNBLOCK, trimming), one
 * pub/sub connection; on standalone Redis {@code backend.redis.shared-readers} reader
 * connections and one catch-up connection that all broadcast subscriptions and group members
 * share ({@link SharedStreamReaders}), strict key order and predictive balancing included; per
 * subscription with {@code shared-readers = 0}. On a cluster the writer, control and catch-up
 * connections hold a link to every master, the shared readers wait on one sharded pub/sub
 * connection (a link per master, {@link ShardWakes}; Redis 7 or later) and serve the broadcast
 * subscriptions and group members alike; a subscription with {@code shared-readers = 0} holds
 * one connection per slot it reads.
 * Threads: Lettuce's event loops plus one small worker pool ({@code tidegate-redis-*}) for read
 * results, sink calls and timers.
 *
 * <p>Construction connects and blocks until Redis answers (start-up); it fails with a message
 * naming the address when Redis is unreachable or too old. After that, every method is
 * thread-safe and non-blocking except {@link #close()}, which waits for in-flight appends and for
 * subscriptions to let go of their connections.
 */
public final class RedisBackend implements Backend {

    private final GapCounter gaps = new GapCounter();

    private static final Logger LOG = LoggerFactory.getLogger(RedisBackend.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final ReadGuard reads;
    /** {@code backend.redis.read-count} until {@link #readCount(int)}; every read reads it afresh. */
    private volatile int readCount;
    private final ScheduledThreadPoolExecutor executor;
    private final RedisConnector connector;
    private final CommandRefusals refusals;
    private final SharedConnection control;
    private final RedisStreamWriter writer;
    private final TopicRegistry registry;
    private final SubscriptionContext context;
    private final ConsumerLagProbe consumerLag;
    private final IncarnationWatch incarnation;
    /** Null when every subscription opens its own reader connection. */
    private final SharedStreamReaders shared;
    private final Set<RedisSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * Connects to {@code backend.redis.uri}, or to the cluster {@code backend.redis.cluster-nodes}.
     *
     * @param consumerLagInterval how often consumer lag is measured; null when nobody reads it
     * @param reads guards every subscription's reads and acks (breaker, backoff, time limit)
     * @throws IllegalStateException when Redis cannot be reached or is older than 6.2 (7.0 for shared readers on a cluster)
     */
    public RedisBackend(GatewayConfig.Redis redis, GatewayConfig.Storage storage, Duration consumerLagInterval,
                        ReadGuard reads) {
        this.reads = reads;
        this.readCount = redis.readCount();
        if (!redis.isConfigured()) {
            throw new IllegalArgumentException("neither backend.redis.uri nor backend.redis.cluster-nodes is set; "
                    + "set one, e.g. backend.redis.uri=redis://127.0.0.1:6379");
        }
        String setting = redis.isCluster() ? "backend.redis.cluster-nodes" : "backend.redis.uri";
        this.connector = new RedisConnector(redis);
        String address = connector.address();
        this.refusals = new CommandRefusals(connector.user(), redis.keyPrefix());
        this.executor = workerPool();
        RedisKeys keys = new RedisKeys(redis.keyPrefix());
        String name = "tidegate:" + storage.gatewayId();
        SharedConnection writerConnection = null;
        SharedConnection controlConnection = null;
        StatefulRedisPubSubConnection<byte[], byte[]> pubSub = null;
        SharedConnection catchUpConnection = null;
        ShardWakes wakes = null;
        boolean sharing = redis.sharedReaders() > 0;
        try {
            controlConnection = connector.connectShared(name + ":control");
            requireVersion(controlConnection, address, sharing && redis.isCluster());
            writerConnection = connector.connectShared(name + ":writer");
            pubSub = connector.connectPubSub(name + ":topics");
            if (sharing) {
                catchUpConnection = connector.connectShared(name + ":catch-up");
            }
            if (sharing && redis.isCluster()) {
                var wakeConnection = connector.connectShardedPubSub();
                try {
                    wakes = new ShardWakes(wakeConnection, keys, executor);
                } catch (RuntimeException e) {
                    wakeConnection.close();
                    throw e;
                }
            }
            this.control = controlConnection;
            this.writer = new RedisStreamWriter(writerConnection, keys, storage.retention().maxLength(),
                    storage.dedupWindow(), refusals, wakes != null);
            this.registry = new TopicRegistry(keys, pubSub, control.async(), executor);
            this.incarnation = new IncarnationWatch(control.async(), keys, address, this::reset);
            incarnation.start();
        } catch (RuntimeException e) {
            closeQuietly(pubSub, writerConnection, controlConnection, catchUpConnection, wakes);
            connector.close();
            executor.shutdownNow();
            if (e instanceof IllegalStateException) {
                throw e;
            }
            SettingUnusableException refused = RedisRefusal.explain(e, connector, setting, redis.keyPrefix());
            if (refused != null) {
                throw refused;
            }
            throw new BackendUnavailableException("cannot connect to Redis at " + address + " (" + setting + "): "
                    + e.getMessage(), e);
        }
        // On a cluster one read may only name streams of one slot, so the readers wait for wake-ups there.
        this.shared = catchUpConnection == null ? null : new SharedStreamReaders(redis.sharedReaders(), name, connector,
                control, catchUpConnection, wakes, executor, reads, redis.blockTimeout(), this::readCount);
        this.context = new SubscriptionContext(storage.gatewayId(), keys, connector, control, writer, registry,
                executor, redis.blockTimeout(), this::readCount, redis.reclaimInterval(),
                storage.delivery().maxDeliveries(), storage.delivery().defaultAckDeadline(),
                reads, incarnation, new GroupSteerings<>(storage.delivery().balancing()), gaps, shared,
                new StrictMembers());
        long incarnationEvery = IncarnationWatch.CHECK_INTERVAL.toMillis();
        executor.scheduleWithFixedDelay(safely("incarnation check", () -> incarnation.check("periodic check")),
                incarnationEvery, incarnationEvery, TimeUnit.MILLISECONDS);
        long refresh = TopicRegistry.REFRESH_INTERVAL.toMillis();
        executor.scheduleWithFixedDelay(safely("topic registry refresh",
                () -> registry.refresh().thenAccept(writer::forgetRegistered)), refresh, refresh, TimeUnit.MILLISECONDS);
        this.consumerLag = new ConsumerLagProbe(keys, control.async(), registry);
        if (consumerLagInterval != null) {
            long lagEvery = consumerLagInterval.toMillis();
            executor.scheduleWithFixedDelay(safely("consumer lag", consumerLag::measure), 0, lagEvery, TimeUnit.MILLISECONDS);
        }
        Duration maxAge = storage.retention().maxAge();
        if (!maxAge.isZero()) {
            RetentionTrimmer trimmer = new RetentionTrimmer(keys, control.async(), registry, maxAge);
            long every = RetentionTrimmer.interval(maxAge).toMillis();
            executor.scheduleWithFixedDelay(safely("trimming by age", trimmer::trim), every, every, TimeUnit.MILLISECONDS);
        }
        LOG.info("redis backend connected to {}{} (key prefix {}, gateway {})", redis.isCluster() ? "cluster " : "",
                address, redis.keyPrefix(), storage.gatewayId());
    }

    @Override
    public long steeredAway() {
        return context.steerings().steeredAway();
    }

    @Override
    public long resets() {
        return incarnation.resets();
    }

    @Override
    public long refusedCommands() {
        return refusals.count();
    }

    /** A command Redis refused within the last minute (an ACL without the permission), with the ACL to grant. */
    @Override
    public String recentRefusal() {
        return refusals.recent();
    }

    @Override
    public long deliveryGaps() {
        return gaps.gaps();
    }

    @Override
    public long entriesLostToRetention() {
        return gaps.lost();
    }

    /** Redis lost its data: every open subscription is told and re-anchors on what is stored now. */
    private void reset(String reason, java.time.Instant detectedAt) {
        if (shared != null) {
            // before anyone re-anchors: a wait parked at the new stream's start must not be served the old one's entries
            shared.forgetLastBatches();
        }
        for (RedisSubscription s : subscriptions) {
            s.backendReset(reason, detectedAt);
        }
    }

    @Override
    public java.util.Map<String, Long> consumerLag() {
        return consumerLag.lag();
    }

    @Override
    public java.util.Map<String, Long> consumerPending() {
        return consumerLag.pending();
    }

    @Override
    public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the redis backend is closed"));
        }
        return writer.append(batch);
    }

    @Override
    public BackendSubscription subscribe(SubscriptionSpec spec, DeliverySink sink) {
        if (closed) {
            throw new IllegalStateException("the redis backend is closed");
        }
        RedisSubscription subscription = spec.isGroup()
                ? new GroupSubscription(spec, sink, context)
                : new BroadcastSubscription(spec, sink, context);
        subscriptions.add(subscription);
        subscription.terminated().whenComplete((v, e) -> subscriptions.remove(subscription));
        return subscription;
    }

    @Override
    public boolean isReady() {
        return !closed && writer.isConnected();
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public java.util.Map<String, String> breakerStates() {
        String state = reads.breakerState();
        return state == null ? java.util.Map.of() : java.util.Map.of("read", state);
    }

    /**
     * The read loops of the live subscriptions and the shared readers, for the read-loop watchdog
     * (remediation). Any thread.
     */
    public List<io.tidegate.gateway.backend.ReadLoop> readLoops() {
        List<io.tidegate.gateway.backend.ReadLoop> loops = new java.util.ArrayList<>(subscriptions);
        if (shared != null) {
            loops.addAll(shared.readers());
        }
        return loops;
    }

    /** How many topics the shared readers read now (0 without them), for tests and logs. */
    int sharedTopicsInDemand() {
        return shared == null ? 0 : shared.topicsInDemand();
    }

    /** Most entries per stream one read takes now ({@code backend.redis.read-count} until {@link #readCount(int)}). */
    public int readCount() {
        return readCount;
    }

    /** Sets the most entries per stream one read takes, from the next read on (the tuning controller's setter). */
    public void readCount(int entries) {
        if (entries < 1) {
            throw new IllegalArgumentException("read count must be >= 1, was " + entries);
        }
        readCount = entries;
    }

    /** What guards this backend's reads (as passed in), for tests and logs. */
    public ReadGuard readGuard() {
        return reads;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<RedisSubscription> open = List.copyOf(subscriptions);
        open.forEach(RedisSubscription::close);
        try {
            CompletableFuture.allOf(open.stream().map(RedisSubscription::terminated).toArray(CompletableFuture[]::new))
                    .get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("{} subscriptions did not close within {}", subscriptions.size(), CLOSE_TIMEOUT);
        }
        if (shared != null) {
            shared.close();
        }
        writer.close(CLOSE_TIMEOUT);
        registry.close();
        control.close();
        executor.shutdownNow();
        connector.close();
        try {
            executor.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("redis backend closed");
    }

    /** A periodic task that survives its own failure (a scheduled task that throws is never run again). */
    private static Runnable safely(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("{} failed: {}", what, e.toString());
            }
        };
    }

    private static ScheduledThreadPoolExecutor workerPool() {
        AtomicInteger n = new AtomicInteger();
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                r -> {
                    Thread t = new Thread(r, "tidegate-redis-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                // Late callbacks after close have nothing left to do.
                new ThreadPoolExecutor.DiscardPolicy());
        pool.setRemoveOnCancelPolicy(true);
        return pool;
    }

    /**
     * @param sharded the shared readers on a cluster wait on sharded pub/sub (SPUBLISH), which
     *                needs Redis 7
     */
    private static void requireVersion(SharedConnection connection, String address, boolean sharded) {
        String info = connection.async().info("server").toCompletableFuture()
                .orTimeout(RedisConnector.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("redis_version:")) {
                String version = line.substring("redis_version:".length()).trim();
                String[] parts = version.split("\\.");
                int major = Integer.parseInt(parts[0]);
                int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
                if (major < 6 || (major == 6 && minor < 2)) {
                    throw new IllegalStateException("Redis at " + address + " is version " + version
                            + "; the redis backend needs 6.2 or later (XAUTOCLAIM)");
                }
                if (sharded && major < 7) {
                    throw new IllegalStateException("Redis at " + address + " is version " + version
                            + "; shared readers on Redis Cluster need 7.0 or later (sharded pub/sub, SPUBLISH); "
                            + "upgrade, or set backend.redis.shared-readers = 0 for a reader per subscription");
                }
                return;
            }
        }
    }

    private static void closeQuietly(AutoCloseable... closeables) {
        for (AutoCloseable c : closeables) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // already failing; the original error is what matters
                }
            }
        }
    }

    @Override
    public String toString() {
        return "RedisBackend[" + connector.address() + "]";
    }
}
