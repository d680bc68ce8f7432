package io.tidegate.gateway.backend.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.UnblockType;
import io.lettuce.core.XReadArgs;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.routing.TopicPattern;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demand-driven read loop every Redis subscription shares; {@link BroadcastSubscription} and
 * {@link GroupSubscription} supply the reads.
 *
 * <p>How it runs: a subscription reads only while it has demand. A <em>cycle</em> is one step
 * against Redis (a blocking XREAD, a reclaim, a group creation...) on the subscription's own
 * {@link ReaderConnection}s (unless {@link #ownsReaders} says it reads through the backend's
 * shared readers), one per read group ({@link RedisConnector#readGroup}): a single one
 * on standalone Redis, where one XREAD covers every topic; one per hash slot (in practice per
 * topic) on a cluster, where a command may only name keys of one slot, so a cycle reads every
 * group at once (see {@link #readStreams}). At most one cycle is in flight, and when it ends
 * the next one starts if there is still demand. Cycles run on the backend's worker pool and
 * wait on Redis through futures, so no thread is parked per subscription and Lettuce's event
 * loop only completes futures. A cycle never delivers more than the demand it started with, and
 * only cycles lower demand, so delivery never exceeds what was requested.
 *
 * <p>Waking: a read blocks at most {@code block-timeout}. When something changes that the
 * blocked read does not cover (a new topic for a pattern, a nack whose delay ran out, close),
 * the read is ended at once with {@code CLIENT UNBLOCK <id> TIMEOUT} from the control connection
 * (on a cluster, its link to the reader's node), so a new topic is picked up within a round trip
 * rather than after the block time.
 *
 * <p>Failures: every cycle runs under the backend's {@link ReadGuard} (circuit breaker over all
 * subscriptions' reads, a time limit per cycle). A failed cycle is retried after a jittered,
 * growing backoff; while the breaker is open no cycle starts. A lost connection is replaced on the
 * next cycle, so a subscription outlives any Redis outage and continues from its cursors. A cycle
 * that only waits at the shared readers ({@link #waitsOnlyOnSharedReaders}) asks Redis nothing:
 * it gives its permit back and records no success, so during an outage the breaker sees the
 * failing reads of the shared readers and of the members they wake, not thousands of idle waits
 * ending well.
 *
 * <p>Threading: the public methods are thread-safe and never block; the sink is called from the
 * worker pool, one call at a time.
 */
abstract class RedisSubscription implements BackendSubscription, io.tidegate.gateway.backend.ReadLoop {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSubscription.class);

    /**
     * A subscription whose reads Redis has refused with an error reply (not a lost connection)
     * for this long gives up and reports the error; an unreachable Redis is waited out.
     */
    static final Duration GIVE_UP_AFTER = Duration.ofSeconds(30);
    /** Error replies a Redis sends while it is starting or failing over: transient, waited out too. */
    private static final List<String> TRANSIENT_REPLIES = List.of("LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN",
            "CLUSTERDOWN");
    /** How long to keep trying to unblock a read that has not reached Redis yet. */
    private static final int UNBLOCK_ATTEMPTS = 50;
    private static final long UNBLOCK_RETRY_MILLIS = 2;

    protected final SubscriptionSpec spec;
    protected final DeliverySink sink;
    protected final SubscriptionContext ctx;
    private final CompletableFuture<StartCursors> start;
    private final Consumer<String> topicListener = this::topicDiscovered;
    private final String connectionName;

    private final Object lock = new Object();
    // Guarded by lock.
    private final Map<String, TopicCursor> topics = new LinkedHashMap<>();
    private long demand;
    private boolean cycleRunning;
    private boolean closed;
    private boolean changed;
    private int rotation;
    /** A loss of Redis's data not yet handled by the cycle; null when none. */
    private String resetReason;
    private java.time.Instant resetAt;

    /** Reader connection per read group; changed only by the read cycle, read by wakers and finish. */
    private final Map<Integer, ReaderConnection> readers = new ConcurrentHashMap<>();
    // Confined to the read cycle.
    private long failingSinceNanos;
    private int failures;
    /** The running cycle gave its breaker permit back (see {@link #waitsOnlyOnSharedReaders}); set and read by the cycle. */
    private volatile boolean permitReturned;

    /** The blocking reads in flight, empty when none; read by wakers. */
    private volatile List<BlockedRead> blocked = List.of();
    /** See {@link #lastProgressNanos()}. */
    private volatile long lastProgressNanos = System.nanoTime();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    /** See {@link #caughtUp()}; completed by the subclass's read cycle. */
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();

    RedisSubscription(SubscriptionSpec spec, DeliverySink sink, SubscriptionContext ctx) {
        this.spec = spec;
        this.sink = sink;
        this.ctx = ctx;
        this.connectionName = "tidegate:" + ctx.gatewayId() + ":read:" + spec.key();
        long localMillis = System.currentTimeMillis();
        // Listen first, then look: a topic found in between is offered twice and kept once.
        ctx.registry().addListener(topicListener);
        Set<String> latestTopics = new HashSet<>();
        synchronized (lock) {
            for (TopicPattern pattern : spec.patterns()) {
                if (pattern.isLiteral()) {
                    addTopicLocked(pattern.toString());
                }
            }
            for (String topic : ctx.registry().snapshot()) {
                if (spec.matches(topic)) {
                    addTopicLocked(topic);
                }
            }
            if (topics.isEmpty()) {
                caughtUp.complete(null); // nothing stored to read; the read cycle runs only with a topic
            }
            for (String topic : topics.keySet()) {
                if (spec.start().firstIdFor(topic) == null) {
                    latestTopics.add(topic);
                }
            }
        }
        // See StartCursors. Without the writer (closing) the local clock is the best there is.
        Predicate<String> startsAtLatest = topic -> spec.matches(topic) && spec.start().firstIdFor(topic) == null;
        this.start = ctx.writer().fence(localMillis, latestTopics, startsAtLatest)
                .exceptionally(error -> new StartCursors.Fence(localMillis, Map.of(), Map.of()))
                .thenApply(fence -> new StartCursors(spec.start(), fence));
    }

    /**
     * Completes when the fence (see {@link StartCursors}) has been read on Redis; appends made
     * through another gateway before that moment may fall before a LATEST start. Completes on
     * the worker pool, not on Lettuce's event loop.
     */
    @Override
    public CompletableFuture<Void> started() {
        return start.thenApplyAsync(cursors -> null, ctx.executor());
    }

    @Override
    public CompletableFuture<Void> caughtUp() {
        return caughtUp.thenApplyAsync(ignored -> null, ctx.executor());
    }

    /** The cycle found its cursors at the head of every topic it reads. Only from within a cycle. */
    protected final void atHead() {
        caughtUp.complete(null);
    }

    @Override
    public void request(int n) {
        if (n <= 0) {
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (demand <= 0) {
                lastProgressNanos = System.nanoTime();
            }
            demand = Math.min(Long.MAX_VALUE / 2, demand + n);
        }
        maybeRun();
    }

    @Override
    public void close() {
        boolean finishNow;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            changed = true;
            finishNow = !cycleRunning;
        }
        ctx.registry().removeListener(topicListener);
        if (finishNow) {
            ctx.executor().execute(this::finish);
        } else {
            wakeReader();
            interrupted();
        }
    }

    /**
     * Redis lost its data: the next cycle re-anchors the cursors ({@link #onBackendReset}) and
     * tells the sink, even without demand. Any thread; never blocks.
     */
    final void backendReset(String reason, java.time.Instant detectedAt) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            resetReason = reason;
            resetAt = detectedAt;
            changed = true;
        }
        wakeReader();
        interrupted();
        maybeRun();
    }

    @Override
    public String name() {
        return spec.key();
    }

    @Override
    public boolean hasDemand() {
        synchronized (lock) {
            return !closed && demand > 0 && !topics.isEmpty();
        }
    }

    @Override
    public long lastProgressNanos() {
        return lastProgressNanos;
    }

    /**
     * Closes the reader connections: a read stuck on one fails, and the loop retries on fresh
     * ones from its cursors. A loop that is not running is started again.
     */
    @Override
    public void restart() {
        lastProgressNanos = System.nanoTime();
        readers.values().forEach(ReaderConnection::close);
        maybeRun();
    }

    /** Completes once the subscription has released its reader connection. */
    CompletableFuture<Void> terminated() {
        return terminated;
    }

    // ------------------------------------------------------------------ for subclasses

    /**
     * One step against Redis; runs only while there is demand and at least one topic, and every
     * topic's {@link #reader} is connected.
     */
    protected abstract CompletableFuture<Void> cycle(List<TopicCursor> topics, long demand, StartCursors cursors);

    /**
     * Redis lost its data: adjust the cursors so reading goes on with what Redis stores from now
     * on. Runs in the read cycle (cursors are confined to it), before the sink is told.
     */
    protected abstract void onBackendReset(List<TopicCursor> topics);

    /** Runs once when the subscription ends, before its reader connection closes. */
    protected CompletableFuture<Void> onClose(List<TopicCursor> topics) {
        return CompletableFuture.completedFuture(null);
    }

    /** Hands messages to the sink and takes them off the demand. Only from within a cycle. */
    protected final void deliver(List<StoredMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        synchronized (lock) {
            demand -= messages.size();
        }
        try {
            sink.onMessages(messages);
        } catch (RuntimeException e) {
            LOG.error("subscription {}: the delivery sink threw; {} messages count as delivered", spec.key(),
                    messages.size(), e);
        }
    }

    /** Tells the sink of a hole before the delivery after it, and counts it. Only from within a cycle. */
    protected final void tellGap(io.tidegate.gateway.backend.DeliveryGap gap) {
        ctx.gaps().count(gap);
        LOG.debug("subscription {}: {} entries of {} after {} were trimmed by retention before it read them; "
                + "it goes on at {}", spec.key(), gap.lostKnown() ? gap.lost() : "some", gap.topic(), gap.from(), gap.to());
        try {
            sink.onGap(gap);
        } catch (RuntimeException e) {
            LOG.warn("subscription {}: the sink threw from onGap", spec.key(), e);
        }
    }

    /** The connection for a topic's commands during a cycle: its read group's reader. */
    protected final ReaderConnection reader(TopicCursor topic) {
        ReaderConnection r = readers.get(topic.readGroup);
        if (r == null) {
            throw new IllegalStateException("no reader connection for " + topic.topic + " (read group " + topic.readGroup
                    + ")");
        }
        return r;
    }

    /**
     * Reads {@code topics}, one read per read group, each on its group's reader. With one group
     * (standalone Redis) that is one blocking read. With several (a cluster) it first reads every
     * group without blocking, all at once, and returns what that found; only when all came back
     * empty does it block in every group at once, and the first read that returns entries (or
     * fails) ends the others with CLIENT UNBLOCK, so a cycle waits for one block time at most.
     * A busy subscription thus needs no unblocking, and a quiet one one per other group.
     *
     * <p>Skips the blocking reads (completing with {@code null}) when something changed since
     * the cycle took its snapshot, so the next cycle sees the change instead of waiting out the
     * block time. Completes with the entries of every group, each group's in the order Redis
     * returned them, once all reads have returned; fails when one failed.
     */
    protected final <T> CompletableFuture<List<T>> readStreams(List<TopicCursor> topics, StreamRead<T> read) {
        Map<ReaderConnection, List<TopicCursor>> groups = new LinkedHashMap<>();
        for (TopicCursor t : topics) {
            groups.computeIfAbsent(reader(t), r -> new ArrayList<>()).add(t);
        }
        if (groups.size() == 1) {
            return blockInEveryGroup(groups, read);
        }
        List<CompletableFuture<List<T>>> polls = new ArrayList<>(groups.size());
        groups.forEach((reader, group) -> polls.add(attempt(() -> read.read(reader, group, false))));
        return onPool(merged(polls)).thenCompose(found -> found.isEmpty()
                ? blockInEveryGroup(groups, read)
                : CompletableFuture.completedFuture(found));
    }

    private <T> CompletableFuture<List<T>> blockInEveryGroup(Map<ReaderConnection, List<TopicCursor>> groups,
                                                            StreamRead<T> read) {
        List<BlockedRead> reads = new ArrayList<>(groups.size());
        synchronized (lock) {
            if (changed || closed) {
                return CompletableFuture.completedFuture(null);
            }
            groups.keySet().forEach(r -> reads.add(new BlockedRead(r)));
            blocked = reads;
        }
        List<CompletableFuture<List<T>>> results = new ArrayList<>(reads.size());
        for (BlockedRead b : reads) {
            results.add(attempt(() -> read.read(b.reader, groups.get(b.reader), true)).whenComplete((entries, error) -> {
                b.done = true;
                if (reads.size() > 1 && (error != null || (entries != null && !entries.isEmpty()))) {
                    reads.stream().filter(other -> !other.done).forEach(other -> unblock(other, UNBLOCK_ATTEMPTS));
                }
            }));
        }
        return onPool(merged(results).whenComplete((r, e) -> blocked = List.of()));
    }

    /** Every read's entries in order, once all have returned; fails when one failed. */
    private static <T> CompletableFuture<List<T>> merged(List<CompletableFuture<List<T>>> reads) {
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            List<T> all = new ArrayList<>();
            for (CompletableFuture<List<T>> r : reads) {
                List<T> entries = r.join();
                if (entries != null) {
                    all.addAll(entries);
                }
            }
            return all;
        });
    }

    private static <T> CompletableFuture<T> attempt(Supplier<CompletableFuture<T>> command) {
        try {
            return command.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** One read of the streams of one read group, on that group's reader. */
    @FunctionalInterface
    protected interface StreamRead<T> {
        /** @param block false for a read that returns at once (no BLOCK argument) */
        CompletableFuture<List<T>> read(ReaderConnection reader, List<TopicCursor> topics, boolean block);
    }

    /**
     * Continues on the worker pool: what a cycle does with a reply (decoding, calling the sink)
     * must not run on Lettuce's event loop, which also carries the writer's replies.
     */
    protected final <T> CompletableFuture<T> onPool(CompletableFuture<T> redisReply) {
        return redisReply.thenApplyAsync(Function.identity(), ctx.executor());
    }

    /** Makes the current or next cycle start over: ends a blocked read early. */
    protected final void wake() {
        synchronized (lock) {
            changed = true;
        }
        wakeReader();
        interrupted();
        maybeRun();
    }

    /**
     * Called by a cycle that from here on only waits at the shared readers, without a Redis
     * command of its own. Its outcome says nothing about Redis (the shared readers record their
     * own reads in the breaker): counting such waits as successes would let idle subscriptions
     * outvote the failing reads during an outage and keep the breaker closed. The permit goes
     * back at once, so waits hold none of the few half-open probes; a failure later in the cycle
     * is still recorded. Only from within a cycle, at most once.
     */
    protected final void waitsOnlyOnSharedReaders() {
        if (!permitReturned) {
            permitReturned = true;
            ctx.reads().release();
        }
    }

    /**
     * Something changed that a cycle waiting without a Redis read (see {@link GroupSubscription})
     * should see now: a wake or close. Any thread; must not block.
     */
    protected void interrupted() {
    }

    /**
     * True when the subscription reads through connections of its own ({@link #reader}), opened
     * before each cycle; false when it reads through connections the backend shares.
     */
    protected boolean ownsReaders() {
        return true;
    }

    /**
     * True when something changed since the running cycle took its snapshot (or it closed): a
     * wait that starts now would miss it, so the cycle should end and the next one look again.
     */
    protected final boolean changedSinceSnapshot() {
        synchronized (lock) {
            return changed || closed;
        }
    }

    protected final boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    protected final Duration ackDeadline() {
        return spec.ackDeadline() != null ? spec.ackDeadline() : ctx.defaultAckDeadline();
    }

    /** COUNT for a read of {@code streams} streams: never more than the demand when it can be avoided. */
    protected final int countPerStream(long demand, int streams) {
        return (int) Math.max(1, Math.min(ctx.readCount(), demand / streams));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static XReadArgs.StreamOffset<byte[]>[] offsetArray(int size) {
        return new XReadArgs.StreamOffset[size];
    }

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    // ------------------------------------------------------------------ the loop

    private void maybeRun() {
        synchronized (lock) {
            if (cycleRunning || closed || (resetReason == null && (demand <= 0 || topics.isEmpty()))) {
                return;
            }
            cycleRunning = true;
        }
        ctx.executor().execute(this::runCycle);
    }

    private void runCycle() {
        handleReset();
        ReadGuard guard = ctx.reads();
        if (!guard.tryAcquire()) {
            // The breaker is open: wait without touching Redis; the probes decide when to resume.
            ctx.executor().schedule(this::next, guard.backoffMillis(failures + 1), TimeUnit.MILLISECONDS);
            return;
        }
        permitReturned = false;
        long startNanos = System.nanoTime();
        CompletableFuture<Void> step;
        try {
            step = start.thenCompose(cursors -> {
                List<TopicCursor> snapshot;
                long d;
                synchronized (lock) {
                    changed = false;
                    d = demand;
                    snapshot = rotatedTopicsLocked();
                }
                if (d <= 0 || snapshot.isEmpty()) {
                    return CompletableFuture.completedFuture(null);
                }
                CompletableFuture<Void> connected = ownsReaders() ? connectReaders(snapshot)
                        : CompletableFuture.completedFuture(null);
                return connected.thenCompose(ignored -> cycle(snapshot, d, cursors));
            });
        } catch (RuntimeException e) {
            step = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> cycle = step;
        guard.timeLimited(ctx.executor(), cycle).whenComplete((ignored, error) -> {
            if (error != null && unwrap(error) instanceof TimeoutException && !cycle.isDone()) {
                // A stuck connection: closing it fails the cycle, which then retries on a fresh one.
                LOG.warn("subscription {}: a Redis read took longer than the time limit; reconnecting", spec.key());
                readers.values().forEach(ReaderConnection::close);
            }
        });
        // Not async: afterCycle only updates state and hands the next cycle to the pool.
        cycle.whenComplete((ignored, error) -> afterCycle(error, System.nanoTime() - startNanos));
    }

    /** Re-anchors and tells the sink when Redis lost its data; inside the cycle, so sink calls stay one at a time. */
    private void handleReset() {
        String reason;
        java.time.Instant at;
        List<TopicCursor> all;
        synchronized (lock) {
            reason = resetReason;
            at = resetAt;
            resetReason = null;
            if (reason == null || closed) {
                return;
            }
            all = new ArrayList<>(topics.values());
        }
        onBackendReset(all);
        try {
            sink.onReset(reason, at);
        } catch (RuntimeException e) {
            LOG.warn("subscription {}: the sink threw from onReset", spec.key(), e);
        }
    }

    private void afterCycle(Throwable error, long tookNanos) {
        boolean returned = permitReturned;
        if (error == null) {
            lastProgressNanos = System.nanoTime();
            if (!returned) {
                ctx.reads().onSuccess(tookNanos);
            }
            if (failures > 0) {
                LOG.info("subscription {}: Redis reads work again after {} failed attempts", spec.key(), failures);
            }
        } else if (isClosed()) {
            // failed because it was closed: says nothing about Redis
            if (!returned) {
                ctx.reads().release();
            }
        } else {
            Throwable cause = unwrap(error);
            ctx.reads().onFailure(tookNanos, cause);
            retryLater(cause);
            return;
        }
        failures = 0;
        next();
    }

    /** Ends the cycle that just ran (or the back-off after it) and starts the next one if due. */
    private void next() {
        boolean finishNow;
        synchronized (lock) {
            cycleRunning = false;
            finishNow = closed;
        }
        if (finishNow) {
            finish();
        } else {
            maybeRun();
        }
    }

    private void retryLater(Throwable error) {
        long now = System.nanoTime();
        if (failures++ == 0) {
            failingSinceNanos = now;
        }
        // On a cluster the failure may be a slot that moved (MOVED, failover): reconnect every
        // group to the node the refreshed topology names. On standalone Redis only a dead
        // connection needs replacing.
        boolean cluster = ctx.connector().isCluster();
        readers.entrySet().removeIf(e -> {
            if (cluster || !e.getValue().isOpen()) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        ctx.connector().readerFailed();
        if (isPermanent(error) && now - failingSinceNanos > GIVE_UP_AFTER.toNanos()) {
            LOG.error("subscription {}: Redis reads have failed for {}; giving up", spec.key(), GIVE_UP_AFTER, error);
            synchronized (lock) {
                closed = true;
            }
            ctx.registry().removeListener(topicListener);
            finish();
            ctx.executor().execute(() -> {
                try {
                    sink.onError(error);
                } catch (RuntimeException e) {
                    LOG.warn("subscription {}: the sink threw from onError", spec.key(), e);
                }
            });
            return;
        }
        long backoff = ctx.reads().backoffMillis(failures);
        if (failures == 1) {
            LOG.warn("subscription {}: Redis read failed ({}); retrying with backoff until Redis answers", spec.key(),
                    error.toString());
        } else {
            LOG.debug("subscription {}: Redis read failed again ({}); retrying in {} ms", spec.key(), error.toString(),
                    backoff);
        }
        ctx.executor().schedule(this::next, backoff, TimeUnit.MILLISECONDS);
    }

    /** An error reply that retrying will not change (unlike a lost connection or a loading Redis). */
    private static boolean isPermanent(Throwable error) {
        if (!(error instanceof RedisCommandExecutionException)) {
            return false;
        }
        String message = String.valueOf(error.getMessage());
        return TRANSIENT_REPLIES.stream().noneMatch(message::startsWith);
    }

    private void finish() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        List<TopicCursor> snapshot;
        synchronized (lock) {
            snapshot = new ArrayList<>(topics.values());
        }
        CompletableFuture<Void> cleanup;
        try {
            cleanup = onClose(snapshot);
        } catch (RuntimeException e) {
            cleanup = CompletableFuture.failedFuture(e);
        }
        cleanup.orTimeout(RedisConnector.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ignored, error) -> {
                    if (error != null) {
                        LOG.debug("subscription {}: clean-up on close failed: {}", spec.key(), error.toString());
                    }
                    List<ReaderConnection> open = List.copyOf(readers.values());
                    readers.clear();
                    CompletableFuture.allOf(open.stream().map(ReaderConnection::close).toArray(CompletableFuture[]::new))
                            .whenComplete((v, e) -> terminated.complete(null));
                });
    }

    /** Opens a reader for every read group of {@code topics} that has none, replacing dead ones. */
    private CompletableFuture<Void> connectReaders(List<TopicCursor> topics) {
        List<CompletableFuture<?>> opening = new ArrayList<>();
        Set<Integer> groups = new HashSet<>();
        for (TopicCursor t : topics) {
            int group = t.readGroup;
            if (!groups.add(group)) {
                continue;
            }
            ReaderConnection r = readers.get(group);
            if (r != null && r.isOpen()) {
                continue;
            }
            if (r != null) {
                readers.remove(group);
                r.close();
            }
            opening.add(ReaderConnection.open(ctx.connector(), ctx.controlConnection(), connectionName, group)
                    .thenAccept(fresh -> readers.put(group, fresh)));
        }
        return CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new));
    }

    private void wakeReader() {
        for (BlockedRead b : blocked) {
            if (!b.done) {
                unblock(b, UNBLOCK_ATTEMPTS);
            }
        }
    }

    /**
     * CLIENT UNBLOCK finds nothing to unblock while our read is still on its way to Redis, so it
     * tries again briefly as long as that same read is in flight.
     */
    private void unblock(BlockedRead read, int attemptsLeft) {
        read.reader.unblock().whenComplete((unblocked, error) -> {
            if (error == null && unblocked == 0 && attemptsLeft > 1 && !read.done) {
                ctx.executor().schedule(() -> {
                    if (!read.done) {
                        unblock(read, attemptsLeft - 1);
                    }
                }, UNBLOCK_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        });
    }

    @Override
    public void rescan() {
        for (String topic : ctx.registry().snapshot()) {
            topicDiscovered(topic);
        }
    }

    private void topicDiscovered(String topic) {
        if (!spec.matches(topic)) {
            return;
        }
        synchronized (lock) {
            if (closed || topics.containsKey(topic)) {
                return;
            }
            addTopicLocked(topic);
        }
        wake();
    }

    private void addTopicLocked(String topic) {
        topics.computeIfAbsent(topic, t -> {
            byte[] key = ctx.keys().stream(t);
            return new TopicCursor(t, key, ctx.connector().readGroup(key));
        });
    }

    /** The topics, starting one further each cycle so a busy topic cannot starve the others. */
    private List<TopicCursor> rotatedTopicsLocked() {
        List<TopicCursor> all = new ArrayList<>(topics.values());
        int n = all.size();
        if (n <= 1) {
            return all;
        }
        int from = Math.floorMod(rotation++, n);
        List<TopicCursor> rotated = new ArrayList<>(n);
        rotated.addAll(all.subList(from, n));
        rotated.addAll(all.subList(0, from));
        return rotated;
    }

    /** One blocking read of a cycle, on one reader connection. */
    private static final class BlockedRead {
        final ReaderConnection reader;
        volatile boolean done;

        BlockedRead(ReaderConnection reader) {
            this.reader = reader;
        }
    }
}
