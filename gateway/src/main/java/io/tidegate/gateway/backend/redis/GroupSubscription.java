package io.tidegate.gateway.backend.redis;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.tidegate.gateway.backend.DeadLetter;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.GroupSteering;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.backend.SubscriptionSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A GROUP subscription: one member of a Redis consumer group per topic stream, reading under its
 * own consumer name ({@link SubscriptionSpec#consumerName()}), so Redis knows which member holds
 * which entry and reclaim can tell a dead member's entries from a live one's.
 *
 * <p>Each cycle does the first of these that applies: create the group on new topics (at the
 * start position; an existing group keeps its cursor); take back entries still pending under
 * this member's name (a restarted member with a stable name gets them at once); reclaim entries
 * idle past the ack deadline (XAUTOCLAIM, every {@code reclaim-interval} or when a nack's delay
 * ran out); otherwise block in XREADGROUP for new entries. Delivery counts come from the pending
 * list (1 on first delivery). An entry whose count would pass {@code max-deliveries} is appended
 * to {@code dlq.<group>.<topic>} through the normal append path and then acked. Once a minute a
 * member also removes consumers that hold nothing and have not read for ten minutes (members
 * that left; see {@code sweep-consumers.lua}), so a group does not collect one consumer per
 * session forever.
 *
 * <p>A nack or deadline extension moves an entry's idle clock ({@code hold.lua}) instead of
 * keeping timers here, so the deadline survives this gateway's death. XREADGROUP's COUNT is per
 * stream, so a read can return more than the demand; the surplus goes back to the pending list
 * as immediately reclaimable with its delivery count unchanged, and is picked up by the next
 * reclaim (of any member).
 *
 * <p><b>Strict key order</b> ({@link SubscriptionSpec#strictKeyOrder()}) is key affinity kept in
 * Redis, so it holds across members on any number of gateway replicas: per topic and group, a
 * hash records which consumer holds each ordering key and which one entry of it is out (see
 * {@code key-lease.lua}, names in {@link RedisKeys}). A member reads with {@code strict-read.lua},
 * which runs XREADGROUP inside the script and, in the same atomic step, either takes the key of
 * each fresh entry (the entry goes out) or, when another member holds the key, moves the entry
 * into the holder's pending list (XCLAIM, delivery count 0) behind the key's message out. Doing
 * the read and the lease in one script is what makes it correct: two members can never both see
 * a key as free. An ack ({@code strict-ack.lua}) lets the key's next waiting entry go out to its
 * holder and wakes the holder when it is on this gateway ({@link StrictMembers}); that is not
 * always the acking member, since a late ack can free a key that moved on its deadline. Because
 * every pending entry of a key sits under the holder's consumer name, the usual idle-time
 * reclaim also moves keys: {@code strict-claim.lua} takes a key, with its waiting
 * entries in order, when its message out is idle past the deadline (holder dead or too slow, or
 * a nack's delay ran out) or when its next entry waited a whole deadline for a holder that did
 * not take it. A member that closes marks its pending entries idle ({@code strict-leave.lua}),
 * so its keys move at the next reclaim. No timers or leases live in the gateway, so a SIGKILLed
 * replica's keys move like its entries do. A blocking XREADGROUP cannot run inside a script, so
 * the wait for new entries is a wait for an entry after the newest one the script saw: a park
 * with the shared readers when pooled (below), else a plain XREAD BLOCK. A non-strict
 * subscription never runs any of this.
 *
 * <p><b>Predictive balancing</b> ({@code delivery.balancer = predictive}): before reading new
 * entries a member asks its group's {@link GroupSteering} on this gateway how many it may read
 * ({@code PredictiveBalancer.admissible}): while its predicted completion (moving average of its
 * delivery-to-ack times × what it holds) is within 3× the best local member's service time, plus
 * how long the group's oldest unread entry has waited ({@code oldest-unread.lua}, asked only when
 * the answer without it is no), it reads that many; otherwise it leaves new entries to the
 * members that do read, wherever they are connected, and waits: until the oldest unread entry
 * will have waited long enough, or (nothing unread) for the next entry (parked with the shared
 * readers when pooled, else a plain XREAD), or until one of its own acks changes its
 * prediction. Reclaims and the own-pending scan are not held back, and a strict member still
 * gets the next messages of keys it holds, so at-least-once and key order work exactly as under
 * pull. Each replica knows only its own members, so the reference speed is this replica's best
 * (see docs/balancing.md).
 *
 * <p><b>Pooled group reads</b> ({@code backend.redis.shared-readers > 0}, standalone or cluster,
 * strict key order and predictive balancing included): the member holds no connection. Every
 * step above, scripts included, runs without blocking on the shared connection of {@link
 * SharedStreamReaders}, and instead of blocking in XREADGROUP (or, strict and steered, in XREAD
 * after the newest entry) the member parks with the shared readers at each topic's newest id,
 * which wake it when something newer is stored (see {@link #readNewPooled}). A steered wait with
 * a timer is that park with a shorter timeout, or the {@code gate} future completed by a timer
 * or an ack. With {@code shared-readers = 0} each member has its own readers.
 *
 * <p>Threading: see {@link RedisSubscription}; ack, nack and extend go through the control
 * connection and never wait for a blocked read.
 */
final class GroupSubscription extends RedisSubscription {

    private static final Logger LOG = LoggerFactory.getLogger(GroupSubscription.class);
    /** How often a member looks for consumers that left nothing pending and stopped reading. */
    static final Duration CONSUMER_SWEEP_INTERVAL = Duration.ofMinutes(1);
    /** Idle time after which a consumer with nothing pending counts as gone (well above any block time). */
    static final Duration GONE_CONSUMER_IDLE = Duration.ofMinutes(10);

    private final byte[] group;
    private final byte[] consumer;
    private final long deadlineMillis;
    private final byte[] deadlineArg;
    private final boolean strict;
    /** When the next reclaim scan is due, System.nanoTime(). */
    private final AtomicLong nextReclaimNanos = new AtomicLong(System.nanoTime());
    /** When the next sweep for gone consumers is due, System.nanoTime(); confined to the cycle. */
    private long nextSweepNanos = System.nanoTime() + CONSUMER_SWEEP_INTERVAL.toNanos();
    /** Predictive balancing: the group's steering here and this member's place; null under pull. */
    private final GroupSteering<GroupSubscription> steering;
    private final GroupSteering.Member<GroupSubscription> steer;
    /** A cycle waiting without a Redis read because new entries are left to others; completed to end the wait. */
    private volatile CompletableFuture<Void> gate;
    /**
     * Pooled group reads: the backend's shared readers, whose blocking XREAD wakes this member
     * when its topics get new entries, and whose shared connection carries its non-blocking
     * commands. Null when it reads through connections of its own (shared-readers = 0, a
     * cluster).
     */
    private final SharedStreamReaders shared;
    /** Pooled group reads: the wake-up wait in progress, null when none; ended early by {@link #interrupted}. */
    private volatile LiveWait waiting;
    /**
     * Pooled group reads: where a wait that timed out with nothing happening stood, so the next
     * cycle parks there again without a Redis command; null when the next cycle must look.
     */
    private volatile List<LiveWait.Spot> idleAt;
    /**
     * Pooled predictive reads: the last wait ended because a shared reader chose this member for
     * new entries; a member the steering then holds back passes the wake-up on (see {@link
     * #readSteered}). Set by the wait, read and cleared by the cycle.
     */
    private volatile boolean wokenForEntries;

    GroupSubscription(SubscriptionSpec spec, DeliverySink sink, SubscriptionContext ctx) {
        super(spec, sink, ctx);
        this.group = RedisKeys.bytes(spec.group());
        this.consumer = RedisKeys.bytes(spec.consumerName());
        this.deadlineMillis = Math.max(1, ackDeadline().toMillis());
        this.deadlineArg = arg(deadlineMillis);
        this.strict = spec.strictKeyOrder();
        this.steering = ctx.steerings().forGroup(spec.group());
        // Credit from demand: a member that asks for nothing must not count as the fastest one here,
        // or the one that does read would wait for it.
        this.steer = steering == null ? null : steering.join(this);
        this.shared = ctx.shared();
        if (strict) {
            ctx.strictMembers().join(spec.group(), spec.consumerName(), this);
        }
    }

    /** An ack readied the next entry of a key this member holds: look now rather than at the next reclaim or re-check. */
    void keyReady() {
        if (!isClosed()) {
            wake();
        }
    }

    @Override
    protected boolean ownsReaders() {
        return shared == null;
    }

    /** The connection for a topic's non-blocking commands in a cycle: the shared one, or the member's own reader. */
    private RedisClusterAsyncCommands<byte[], byte[]> commands(TopicCursor t) {
        return shared != null ? shared.groupReads() : reader(t).redis();
    }

    @Override
    public void request(int n) {
        if (steering != null) {
            steering.grant(steer, n);
        }
        super.request(n);
    }

    @Override
    protected CompletableFuture<Void> cycle(List<TopicCursor> topics, long demand, StartCursors cursors) {
        CompletableFuture<Void> step;
        List<TopicCursor> withoutGroup = topics.stream().filter(t -> !t.groupReady).toList();
        // Strict: consumer names are new per session, and a stale own entry would skip its key's lease.
        TopicCursor ownLeft = strict ? null : topics.stream().filter(t -> t.ownScan != null).findFirst().orElse(null);
        List<LiveWait.Spot> idle = idleAt;
        idleAt = null;
        if (idle != null && withoutGroup.isEmpty() && sameTopics(idle, topics)) {
            waitsOnlyOnSharedReaders();
            step = awaitWake(shared.parkMember(idle, spec.group(), ctx.blockTimeout()), true);
        } else if (!withoutGroup.isEmpty()) {
            step = createGroups(withoutGroup, cursors);
        } else if (ownLeft != null) {
            step = claimOwn(commands(ownLeft), ownLeft, demand);
        } else if (reclaimDue(topics)) {
            step = reclaim(topics, demand);
        } else if (steer != null && steer.joined()) {
            boolean woken = wokenForEntries;
            wokenForEntries = false;
            step = readSteered(topics, demand, woken);
        } else {
            wokenForEntries = false;
            step = strict ? readStrict(topics, demand, ctx.readCount())
                    : shared != null ? readNewPooled(topics, demand) : readNew(topics, demand);
        }
        return step.handle((ignored, error) -> {
            if (error != null && isNoGroup(error)) {
                // The stream or the group was deleted under us: create it again next cycle, and
                // have the incarnation checked, since a flushed Redis looks like this first.
                topics.forEach(t -> t.groupReady = false);
                ctx.incarnation().check("consumer group " + spec.group() + " missing");
                return null;
            }
            if (error != null) {
                throw new java.util.concurrent.CompletionException(unwrap(error));
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ cycle steps

    private CompletableFuture<Void> createGroups(List<TopicCursor> topics, StartCursors cursors) {
        List<CompletableFuture<Void>> creations = new ArrayList<>(topics.size());
        for (TopicCursor t : topics) {
            String startId = t.groupFromStart ? EntryId.MIN.toString() : cursors.readAfter(t.topic).toString();
            creations.add(commands(t)
                    .xgroupCreate(XReadArgs.StreamOffset.from(t.key, startId), group, XGroupCreateArgs.Builder.mkstream())
                    .toCompletableFuture()
                    .handle((ok, error) -> {
                        if (error != null && !String.valueOf(unwrap(error).getMessage()).startsWith("BUSYGROUP")) {
                            throw new java.util.concurrent.CompletionException(unwrap(error));
                        }
                        // BUSYGROUP: the group exists and keeps its own cursor, as StartAt promises.
                        t.groupReady = true;
                        t.groupFromStart = false;
                        return null;
                    }));
        }
        return CompletableFuture.allOf(creations.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> claimOwn(RedisClusterAsyncCommands<byte[], byte[]> redis, TopicCursor t, long demand) {
        int count = (int) Math.min(demand, ctx.readCount());
        return onPool(LuaScript.CLAIM_OWN.<List<Object>>run(redis, ScriptOutputType.MULTI, new byte[][] {t.key},
                        group, consumer, RedisKeys.bytes(t.ownScan), arg(count)))
                .thenCompose(reply -> {
                    String next = RedisKeys.string((byte[]) reply.get(0));
                    t.ownScan = next.isEmpty() ? null : next;
                    return settleClaimed(redis, t, entries(reply.get(1))).thenApply(delivered -> null);
                });
    }

    private boolean reclaimDue(List<TopicCursor> topics) {
        if (System.nanoTime() - nextReclaimNanos.get() >= 0) {
            return true;
        }
        return topics.stream().anyMatch(t -> !t.reclaimScan.equals(TopicCursor.SCAN_START));
    }

    private CompletableFuture<Void> reclaim(List<TopicCursor> topics, long demand) {
        long startedNanos = System.nanoTime();
        CompletableFuture<Long> remaining = CompletableFuture.completedFuture(demand);
        for (TopicCursor t : topics) {
            remaining = remaining.thenCompose(left -> left <= 0 || isClosed()
                    ? CompletableFuture.completedFuture(left)
                    : reclaimTopic(commands(t), t, left));
        }
        if (startedNanos - nextSweepNanos >= 0) {
            nextSweepNanos = startedNanos + CONSUMER_SWEEP_INTERVAL.toNanos();
            topics.forEach(this::sweepGoneConsumers);
        }
        return remaining.thenAccept(left -> {
            boolean scannedAll = left > 0 && topics.stream().allMatch(t -> t.reclaimScan.equals(TopicCursor.SCAN_START));
            if (scannedAll) {
                long next = startedNanos + ctx.reclaimInterval().toNanos();
                // A nack may have asked for an earlier scan meanwhile; keep the earlier time.
                nextReclaimNanos.accumulateAndGet(next, (current, proposed) ->
                        current - startedNanos > 0 ? Math.min(current, proposed) : proposed);
            }
        });
    }

    private CompletableFuture<Long> reclaimTopic(RedisClusterAsyncCommands<byte[], byte[]> redis, TopicCursor t, long demand) {
        int count = (int) Math.min(demand, ctx.readCount());
        if (strict) {
            return onPool(LuaScript.STRICT_CLAIM.<List<Object>>run(redis, ScriptOutputType.MULTI,
                            strictKeys(t.topic), strictArgs(t.topic, deadlineArg, RedisKeys.bytes(t.reclaimScan),
                                    arg(count), arg(ctx.readCount()))))
                    .thenCompose(reply -> {
                        t.reclaimScan = RedisKeys.string((byte[]) reply.get(0));
                        return settleClaimed(redis, t, entries(reply.get(1)));
                    })
                    .thenApply(delivered -> demand - delivered);
        }
        return onPool(LuaScript.CLAIM_IDLE.<List<Object>>run(redis, ScriptOutputType.MULTI, new byte[][] {t.key},
                        group, consumer, deadlineArg, RedisKeys.bytes(t.reclaimScan), arg(count)))
                .thenCompose(reply -> {
                    t.reclaimScan = RedisKeys.string((byte[]) reply.get(0));
                    return settleClaimed(redis, t, entries(reply.get(1)));
                })
                .thenApply(delivered -> demand - delivered);
    }

    private void sweepGoneConsumers(TopicCursor t) {
        LuaScript.SWEEP_CONSUMERS.<Long>run(ctx.control(), ScriptOutputType.INTEGER, new byte[][] {t.key}, group,
                arg(GONE_CONSUMER_IDLE.toMillis())).whenComplete((removed, error) -> {
                    if (error == null && removed > 0) {
                        LOG.info("group {} on {}: removed {} consumers that left nothing pending", spec.group(), t.topic,
                                removed);
                    }
                });
    }

    private CompletableFuture<Void> readNew(List<TopicCursor> topics, long demand) {
        Duration block = blockTime();
        Map<String, TopicCursor> byKey = new HashMap<>();
        topics.forEach(t -> byKey.put(RedisKeys.string(t.key), t));
        int count = countPerStream(demand, topics.size());
        return readStreams(topics, (reader, readGroup, blocking) -> {
            XReadArgs.StreamOffset<byte[]>[] offsets = offsetArray(readGroup.size());
            for (int i = 0; i < readGroup.size(); i++) {
                offsets[i] = XReadArgs.StreamOffset.lastConsumed(readGroup.get(i).key);
            }
            XReadArgs args = blocking ? XReadArgs.Builder.block(block).count(count) : XReadArgs.Builder.count(count);
            return reader.redis().xreadgroup(Consumer.from(group, consumer), args, offsets).toCompletableFuture();
        }).thenCompose(read -> read == null || read.isEmpty()
                ? CompletableFuture.completedFuture(null)
                : settleRead(read, byKey, demand));
    }

    /**
     * Pooled group reads: a non-blocking XREADGROUP on the shared connection, preceded in the same
     * pipeline by each topic's newest entry id. An empty read means the group had been handed
     * everything up to those ids, so the member parks at them with the shared readers, which wake
     * it (and as many other members of the group as entries came) once something newer is
     * stored; or the shared readers' re-check picks it (one member per group and topic every
     * block time, for what the shared XREAD cannot see, such as entries due for reclaim); or a
     * {@link #wake}. When its wait just times out, the next cycle parks again where it stood
     * (moved on past entries the readers woke other members for) without asking Redis, so an
     * idle member costs Redis nothing, and records nothing in the read breaker either.
     *
     * <p>No wake-up is lost between the empty read and the park: the newest id is answered
     * before the read, so an entry the read missed is newer than the spot parked at, and a
     * shared reader whose cursor has passed that spot either hands the wait the entries it read
     * after it or moves its cursor back to it ({@link SharedStreamReader#park} with mayLower).
     */
    private CompletableFuture<Void> readNewPooled(List<TopicCursor> topics, long demand) {
        RedisClusterAsyncCommands<byte[], byte[]> redis = shared.groupReads();
        Map<String, TopicCursor> byKey = new HashMap<>();
        List<CompletableFuture<List<StreamMessage<byte[], byte[]>>>> newest = new ArrayList<>(topics.size());
        XReadArgs.StreamOffset<byte[]>[] offsets = offsetArray(topics.size());
        for (int i = 0; i < topics.size(); i++) {
            TopicCursor t = topics.get(i);
            byKey.put(RedisKeys.string(t.key), t);
            // Sent before the read on the same connection, so Redis answers it first: an entry
            // the read could not see is newer than this id, and wakes the wait parked there.
            newest.add(redis.xrevrange(t.key, Range.create("-", "+"), Limit.from(1)).toCompletableFuture());
            offsets[i] = XReadArgs.StreamOffset.lastConsumed(t.key);
        }
        int count = countPerStream(demand, topics.size());
        // on a cluster one command per slot, each behind its topics' XREVRANGE on that node's link
        CompletableFuture<List<StreamMessage<byte[], byte[]>>> read = shared.readGroupNow(Consumer.from(group, consumer),
                count, offsets);
        return onPool(read).thenCompose(entries -> {
            if (entries != null && !entries.isEmpty()) {
                return settleRead(entries, byKey, demand);
            }
            List<LiveWait.Spot> spots = new ArrayList<>(topics.size());
            for (int i = 0; i < topics.size(); i++) {
                List<StreamMessage<byte[], byte[]>> last = newest.get(i).join();
                EntryId after = last == null || last.isEmpty() ? EntryId.MIN : EntryId.parse(last.get(0).getId());
                spots.add(new LiveWait.Spot(topics.get(i).topic, topics.get(i).key, after));
            }
            return awaitWake(shared.parkMember(spots, spec.group(), ctx.blockTimeout()), true);
        });
    }

    /**
     * Waits for a shared reader's wake-up, the wait's timeout or {@link #interrupted}; the next
     * cycle reads. With {@code mayIdle}, a timeout with nothing happening makes the next cycle
     * park again where the wait stood without asking Redis; without it (a timed steered wait,
     * whose timeout is the time to look again) the next cycle looks.
     */
    private CompletableFuture<Void> awaitWake(LiveWait wait, boolean mayIdle) {
        waiting = wait;
        if (changedSinceSnapshot()) {
            wait.woken();
        }
        return wait.result.handle((batches, error) -> {
            waiting = null;
            if (batches != null && !batches.isEmpty()) {
                wokenForEntries = true;
            }
            if (mayIdle && batches != null && batches.isEmpty() && !changedSinceSnapshot()) {
                // timed out with nothing happening: park again, unless interrupted meanwhile
                idleAt = wait.spotsNow();
                if (changedSinceSnapshot()) {
                    idleAt = null;
                }
            }
            return null;
        });
    }

    /** True when the wait covered exactly the cycle's topics (their order rotates from cycle to cycle). */
    private static boolean sameTopics(List<LiveWait.Spot> spots, List<TopicCursor> topics) {
        if (spots.size() != topics.size()) {
            return false;
        }
        java.util.Set<String> names = new java.util.HashSet<>(spots.size() * 2);
        spots.forEach(s -> names.add(s.topic()));
        return topics.stream().allMatch(t -> names.contains(t.topic));
    }

    /**
     * Strict key order: runs {@code strict-read.lua} on each topic while demand lasts; when
     * nothing went out and nothing is left unread, waits for an entry newer than the newest one
     * the script saw (or a wake: an ack that readied a key, a nack's delay, a new topic). Pooled,
     * the wait is a park with the shared readers at that id, as {@link #readNewPooled} parks: the
     * script answers the newest id in the same atomic step as its XREADGROUP, so an entry it did
     * not read is newer than the spot and wakes the wait. Otherwise it is an XREAD BLOCK on the
     * member's own reader.
     */
    private CompletableFuture<Void> readStrict(List<TopicCursor> topics, long demand, int freshBudget) {
        // per topic: the newest entry id, when the script found nothing to send and nothing unread
        Map<TopicCursor, String> idleAfter = new ConcurrentHashMap<>();
        CompletableFuture<Long> remaining = CompletableFuture.completedFuture(demand);
        for (TopicCursor t : topics) {
            remaining = remaining.thenCompose(left -> left <= 0 || isClosed()
                    ? CompletableFuture.completedFuture(left)
                    : onPool(LuaScript.STRICT_READ.<List<Object>>run(commands(t), ScriptOutputType.MULTI,
                                    strictKeys(t.topic), strictArgs(t.topic, arg(Math.min(left, ctx.readCount())),
                                            arg(freshBudget))))
                            .thenCompose(reply -> {
                                String newest = RedisKeys.string((byte[]) reply.get(1));
                                if ((Long) reply.get(0) == 0 && !newest.isEmpty()) {
                                    idleAfter.put(t, newest);
                                }
                                return settleClaimed(commands(t), t, entries(reply.get(2)));
                            })
                            .thenApply(delivered -> left - delivered));
        }
        return remaining.thenCompose(left -> {
            if (left < demand || idleAfter.size() < topics.size() || freshBudget == 0) {
                return CompletableFuture.completedFuture(null);
            }
            if (shared != null) {
                return awaitWake(shared.parkMember(spotsAt(topics, idleAfter), spec.group(), ctx.blockTimeout()), true);
            }
            Duration block = blockTime();
            return readStreams(topics, (reader, readGroup, blocking) -> {
                XReadArgs.StreamOffset<byte[]>[] offsets = offsetArray(readGroup.size());
                for (int i = 0; i < readGroup.size(); i++) {
                    offsets[i] = XReadArgs.StreamOffset.from(readGroup.get(i).key, idleAfter.get(readGroup.get(i)));
                }
                XReadArgs args = blocking ? XReadArgs.Builder.block(block).count(1) : XReadArgs.Builder.count(1);
                return reader.redis().xread(args, offsets).toCompletableFuture();
            }).thenApply(ignored -> null);
        });
    }

    // ------------------------------------------------------------------ predictive balancing

    /**
     * Reads as many new entries as the steering admits; when it admits none, leaves them to the
     * others (a strict member still takes the next messages of keys it holds) and waits. A pooled
     * member the shared readers woke for new entries ({@code woken}) and that is held back wakes
     * another member of its group in its place, since the readers woke only as many members as
     * entries came and moved the others past them: the wake-up passes along until a member the
     * steering admits reads the entries, as every member's own blocking read used to see them.
     */
    private CompletableFuture<Void> readSteered(List<TopicCursor> topics, long demand, boolean woken) {
        int max = (int) Math.min(demand, ctx.readCount());
        int admitted = steering.admissible(steer, 0, max);
        if (admitted > 0) {
            return readAdmitted(topics, demand, admitted);
        }
        return onPool(oldestUnread(topics)).thenCompose(unread -> {
            int n = steering.admissible(steer, unread.waitNanos, max);
            if (n > 0) {
                return readAdmitted(topics, demand, n);
            }
            steering.countSteered();
            if (woken && shared != null) {
                shared.passOn(spec.group(), topics.stream().map(t -> t.topic).toList());
            }
            CompletableFuture<Void> held = strict ? readStrict(topics, demand, 0) : CompletableFuture.completedFuture(null);
            return held.thenCompose(v -> waitForAdmission(topics, unread));
        });
    }

    private CompletableFuture<Void> readAdmitted(List<TopicCursor> topics, long demand, int admitted) {
        return strict ? readStrict(topics, demand, admitted)
                : shared != null ? readNewPooled(topics, admitted) : readNew(topics, admitted);
    }

    /**
     * Waits while new entries are left to others: with an entry unread, until it will have waited
     * long enough for this member to be admitted; with none, for the next entry (pooled: parked
     * with the shared readers at the newest id {@code oldest-unread.lua} saw in the same atomic
     * step; otherwise an XREAD BLOCK on its own reader). Never longer than the block timeout (or
     * a due reclaim), and cut short by an ack of this member, a wake or close ({@link
     * #interrupted}).
     */
    private CompletableFuture<Void> waitForAdmission(List<TopicCursor> topics, Unread unread) {
        long untilAdmitted = steering.nanosUntilAdmitted(steer, unread.waitNanos);
        long waitMillis = Math.max(1, Math.min(blockTime().toMillis(),
                untilAdmitted == Long.MAX_VALUE ? Long.MAX_VALUE : TimeUnit.NANOSECONDS.toMillis(untilAdmitted) + 1));
        if (unread.waitNanos < 0 && unread.newest.size() == topics.size() && shared != null) {
            return awaitWake(shared.parkMember(spotsAt(topics, unread.newest), spec.group(), Duration.ofMillis(waitMillis)),
                    false);
        }
        if (unread.waitNanos < 0 && unread.newest.size() == topics.size()) {
            return readStreams(topics, (reader, readGroup, blocking) -> {
                XReadArgs.StreamOffset<byte[]>[] offsets = offsetArray(readGroup.size());
                for (int i = 0; i < readGroup.size(); i++) {
                    offsets[i] = XReadArgs.StreamOffset.from(readGroup.get(i).key, unread.newest.get(readGroup.get(i)));
                }
                XReadArgs args = blocking ? XReadArgs.Builder.block(waitMillis).count(1) : XReadArgs.Builder.count(1);
                return reader.redis().xread(args, offsets).toCompletableFuture();
            }).thenApply(ignored -> null);
        }
        CompletableFuture<Void> wait = new CompletableFuture<>();
        gate = wait;
        if (isClosed()) {
            wait.complete(null);
        }
        ctx.executor().schedule(() -> wait.complete(null), waitMillis, TimeUnit.MILLISECONDS);
        return wait.whenComplete((v, e) -> gate = null);
    }

    @Override
    protected void interrupted() {
        idleAt = null;
        CompletableFuture<Void> g = gate;
        if (g != null) {
            g.complete(null);
        }
        LiveWait w = waiting;
        if (w != null) {
            w.woken();
        }
    }

    /** Spots at each topic's given newest id, for a park with the shared readers. */
    private static List<LiveWait.Spot> spotsAt(List<TopicCursor> topics, Map<TopicCursor, String> newest) {
        List<LiveWait.Spot> spots = new ArrayList<>(topics.size());
        for (TopicCursor t : topics) {
            spots.add(new LiveWait.Spot(t.topic, t.key, EntryId.parse(newest.get(t))));
        }
        return spots;
    }

    /** The group's oldest unread entry over the topics (its wait; -1 when none) and each topic's newest id. */
    private record Unread(long waitNanos, Map<TopicCursor, String> newest) {
    }

    private CompletableFuture<Unread> oldestUnread(List<TopicCursor> topics) {
        List<CompletableFuture<List<Object>>> replies = new ArrayList<>(topics.size());
        for (TopicCursor t : topics) {
            replies.add(LuaScript.OLDEST_UNREAD.<List<Object>>run(commands(t), ScriptOutputType.MULTI,
                    new byte[][] {t.key}, group));
        }
        return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).thenApply(v -> {
            long waitMillis = -1;
            Map<TopicCursor, String> newest = new HashMap<>();
            for (int i = 0; i < topics.size(); i++) {
                List<Object> reply = replies.get(i).join();
                waitMillis = Math.max(waitMillis, (Long) reply.get(0));
                String id = RedisKeys.string((byte[]) reply.get(1));
                if (!id.isEmpty()) {
                    newest.put(topics.get(i), id);
                }
            }
            return new Unread(waitMillis < 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(waitMillis), newest);
        });
    }

    /** Hands messages on and tells the steering. */
    private void deliverCounted(List<StoredMessage> out) {
        deliver(out);
        if (steering != null && !out.isEmpty()) {
            steering.delivered(steer, out.size());
        }
    }

    /** How long a read may block: the block timeout, cut short when a reclaim is due sooner. */
    private Duration blockTime() {
        long untilReclaimMillis = TimeUnit.NANOSECONDS.toMillis(nextReclaimNanos.get() - System.nanoTime());
        return Duration.ofMillis(Math.max(1, Math.min(ctx.blockTimeout().toMillis(), untilReclaimMillis)));
    }

    private byte[][] strictKeys(String topic) {
        return new byte[][] {ctx.keys().stream(topic), ctx.keys().keyLeases(topic, spec.group())};
    }

    /** The arguments every strict script starts with (see {@code key-lease.lua}), then {@code more}. */
    private byte[][] strictArgs(String topic, byte[]... more) {
        byte[][] args = new byte[4 + more.length][];
        args[0] = group;
        args[1] = consumer;
        args[2] = ctx.keys().keyWaitingPrefix(topic, spec.group());
        args[3] = ctx.keys().keyReadyPrefix(topic, spec.group());
        System.arraycopy(more, 0, args, 4, more.length);
        return args;
    }

    /**
     * Acks entries of one topic; strict: through {@code strict-ack.lua}, waking each member here
     * that got a key's next entry ready. The script names those holders, so an ack that readies
     * nothing (the usual case: no entry of the key waiting) wakes nobody and costs no read. A
     * holder other than this member is the new holder of a key that moved on its deadline, freed
     * by this member's late ack; any other member woken could not send the entry (it is in the
     * holder's ready list), so the wake goes to that one member, not to the next parked one.
     * Nacks free no key (the nacked message stays the key's message out), so they wake no other.
     */
    private CompletableFuture<Long> ackIds(String topic, List<String> ids) {
        if (!strict) {
            return ctx.control().xack(ctx.keys().stream(topic), group, ids.toArray(String[]::new)).toCompletableFuture();
        }
        byte[][] more = new byte[ids.size()][];
        for (int i = 0; i < more.length; i++) {
            more[i] = RedisKeys.bytes(ids.get(i));
        }
        return LuaScript.STRICT_ACK.<List<byte[]>>run(ctx.control(), ScriptOutputType.MULTI, strictKeys(topic),
                strictArgs(topic, more)).thenApply(holders -> {
                    for (byte[] holder : holders) {
                        if (java.util.Arrays.equals(holder, consumer)) {
                            keyReady();
                        } else {
                            ctx.strictMembers().wake(spec.group(), RedisKeys.string(holder));
                        }
                    }
                    return (long) holders.size();
                });
    }

    /** Delivers up to the demand from a fresh read; the surplus goes back as reclaimable. */
    private CompletableFuture<Void> settleRead(List<StreamMessage<byte[], byte[]>> read, Map<String, TopicCursor> byKey,
                                               long demand) {
        boolean closed = isClosed();
        List<StoredMessage> out = new ArrayList<>();
        Map<TopicCursor, List<String>> surplus = new LinkedHashMap<>();
        Map<TopicCursor, List<String>> malformed = new LinkedHashMap<>();
        for (StreamMessage<byte[], byte[]> entry : read) {
            TopicCursor t = byKey.get(RedisKeys.string(entry.getStream()));
            if (t == null) {
                continue;
            }
            if (closed || out.size() >= demand) {
                surplus.computeIfAbsent(t, k -> new ArrayList<>()).add(entry.getId());
                continue;
            }
            try {
                out.add(StreamEntryCodec.decode(t.topic, entry.getId(), entry.getBody(), 1));
            } catch (StreamEntryCodec.MalformedEntryException e) {
                LOG.warn("subscription {}: acking and skipping {}", spec.key(), e.getMessage());
                malformed.computeIfAbsent(t, k -> new ArrayList<>()).add(entry.getId());
            }
        }
        deliverCounted(out);
        malformed.forEach((t, ids) -> ctx.control().xack(t.key, group, ids.toArray(String[]::new)));
        if (surplus.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Long>> releases = new ArrayList<>();
        // Never handed out, so not a delivery: back to count 0, reclaimable at once.
        surplus.forEach((t, ids) -> releases.add(hold(commands(t), t.key, ids, deadlineMillis, 0)));
        nextReclaimNanos.set(System.nanoTime());
        return CompletableFuture.allOf(releases.toArray(CompletableFuture[]::new));
    }

    /**
     * Handles entries this member just claimed: dead-letters those past {@code max-deliveries},
     * delivers the rest (or, when closed meanwhile, puts them back). Completes with how many
     * were delivered.
     */
    private CompletableFuture<Integer> settleClaimed(RedisClusterAsyncCommands<byte[], byte[]> redis, TopicCursor t,
                                                     List<List<Object>> entries) {
        boolean closed = isClosed();
        List<StoredMessage> out = new ArrayList<>(entries.size());
        Map<Integer, List<String>> putBack = new HashMap<>();
        for (List<Object> entry : entries) {
            String id = RedisKeys.string((byte[]) entry.get(0));
            int count = (int) (long) (Long) entry.get(2);
            if (closed) {
                putBack.computeIfAbsent(count - 1, k -> new ArrayList<>()).add(id);
                continue;
            }
            StoredMessage message;
            try {
                message = StreamEntryCodec.decodeFlat(t.topic, id, (List<?>) entry.get(1), count);
            } catch (StreamEntryCodec.MalformedEntryException e) {
                LOG.warn("subscription {}: acking and skipping {}", spec.key(), e.getMessage());
                ackIds(t.topic, List.of(id));
                continue;
            }
            if (count > ctx.maxDeliveries()) {
                deadLetter(t, message);
            } else {
                out.add(message);
            }
        }
        deliverCounted(out);
        List<CompletableFuture<Long>> releases = new ArrayList<>();
        putBack.forEach((count, ids) -> releases.add(hold(redis, t.key, ids, deadlineMillis, count)));
        return CompletableFuture.allOf(releases.toArray(CompletableFuture[]::new)).thenApply(v -> out.size());
    }

    private void deadLetter(TopicCursor t, StoredMessage message) {
        String dlqTopic = DeadLetter.topicFor(spec.group(), t.topic);
        ctx.writer().append(List.of(DeadLetter.of(message, spec.group(), message.deliveryCount() - 1)))
                .thenCompose(results -> ackIds(t.topic, List.of(message.position().entryId().toString())))
                .whenComplete((acked, error) -> {
                    if (error != null) {
                        // Still pending: the next reclaim finds it over the limit and tries again.
                        LOG.warn("subscription {}: moving {} to {} failed: {}", spec.key(), message.position(), dlqTopic,
                                unwrap(error).toString());
                    } else {
                        LOG.info("subscription {}: moved {} to {} after {} deliveries", spec.key(), message.position(),
                                dlqTopic, message.deliveryCount() - 1);
                    }
                });
    }

    // ------------------------------------------------------------------ settling

    @Override
    public void ack(Collection<StreamPosition> positions) {
        if (steering != null) {
            steering.acked(steer, positions.size());
            interrupted();
        }
        // Retried with backoff: an ack lost to a short outage would become a redelivery.
        byTopic(positions).forEach((topic, ids) -> ctx.reads().retryAck(ctx.executor(), () -> ackIds(topic, ids))
                .whenComplete((n, error) -> {
                    if (error != null) {
                        LOG.warn("subscription {}: ack of {} entries on {} failed; they will be redelivered: {}",
                                spec.key(), ids.size(), topic, unwrap(error).toString());
                    }
                }));
    }

    @Override
    public void nack(Collection<StreamPosition> positions, Duration delay) {
        if (steering != null) {
            steering.released(steer, positions.size());
        }
        Duration wait = delay.isNegative() ? Duration.ZERO : delay;
        holdFor(positions, wait.toMillis()).whenComplete((v, error) -> {
            if (isClosed()) {
                return;
            }
            // Reclaim as soon as the entries are due, instead of at the next regular scan.
            Runnable due = () -> {
                nextReclaimNanos.set(System.nanoTime());
                wake();
            };
            if (wait.isZero()) {
                ctx.executor().execute(due);
            } else {
                ctx.executor().schedule(due, wait.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    @Override
    public void extendDeadline(Collection<StreamPosition> positions, Duration extension) {
        holdFor(positions, Math.max(0, extension.toMillis()));
    }

    /**
     * Makes the entries reclaimable {@code waitMillis} from now. Redis cannot set an idle time
     * below zero, so a wait longer than the deadline is done in steps: hold for a full deadline,
     * and renew halfway through while this member lives.
     */
    private CompletableFuture<Void> holdFor(Collection<StreamPosition> positions, long waitMillis) {
        long idle = Math.max(0, deadlineMillis - waitMillis);
        List<CompletableFuture<Long>> holds = new ArrayList<>();
        byTopic(positions).forEach((topic, ids) ->
                holds.add(hold(null, ctx.keys().stream(topic), ids, idle, -1)));
        CompletableFuture<Void> all = CompletableFuture.allOf(holds.toArray(CompletableFuture[]::new));
        if (waitMillis > deadlineMillis) {
            long renewIn = Math.max(1, deadlineMillis / 2);
            all.thenRun(() -> {
                long updated = holds.stream().mapToLong(CompletableFuture::join).sum();
                if (updated > 0 && !isClosed()) {
                    ctx.executor().schedule(() -> {
                        if (!isClosed()) {
                            holdFor(positions, waitMillis - renewIn);
                        }
                    }, renewIn, TimeUnit.MILLISECONDS);
                }
            });
        }
        return all.whenComplete((v, error) -> {
            if (error != null) {
                LOG.warn("subscription {}: changing the deadline of {} entries failed: {}", spec.key(), positions.size(),
                        unwrap(error).toString());
            }
        });
    }

    /**
     * Sets the idle time (and with {@code deliveryCount >= 0} the delivery count) of entries this
     * member holds, on the reader connection when inside a cycle (so the next step sees it), else
     * on the control connection.
     */
    private CompletableFuture<Long> hold(RedisClusterAsyncCommands<byte[], byte[]> redis, byte[] stream, List<String> ids, long idleMillis,
                                         int deliveryCount) {
        byte[][] args = new byte[4 + ids.size()][];
        args[0] = group;
        args[1] = consumer;
        args[2] = arg(idleMillis);
        args[3] = deliveryCount >= 0 ? arg(deliveryCount) : new byte[0];
        for (int i = 0; i < ids.size(); i++) {
            args[4 + i] = RedisKeys.bytes(ids.get(i));
        }
        return LuaScript.HOLD.run(redis != null ? redis : ctx.control(), ScriptOutputType.INTEGER, new byte[][] {stream}, args);
    }

    @Override
    protected void onBackendReset(List<TopicCursor> topics) {
        // The group (or its stream) is gone with everything pending in it. Whoever creates it
        // again creates it at the start of the new stream, so nothing stored since the loss is
        // skipped; a member that finds it already created (BUSYGROUP) takes its cursor.
        for (TopicCursor t : topics) {
            t.groupReady = false;
            t.groupFromStart = true;
            t.ownScan = TopicCursor.OWN_START;
            t.reclaimScan = TopicCursor.SCAN_START;
        }
    }

    @Override
    protected CompletableFuture<Void> onClose(List<TopicCursor> topics) {
        if (steering != null) {
            steering.leave(steer);
        }
        if (strict) {
            ctx.strictMembers().leave(spec.group(), spec.consumerName(), this);
        }
        // Entries still pending stay with this consumer name until a live member reclaims them;
        // only a consumer with nothing pending is removed, or reclaim could not see its entries.
        List<CompletableFuture<Object>> drops = new ArrayList<>();
        for (TopicCursor t : topics) {
            if (t.groupReady && strict) {
                // Strict: make this member's keys reclaimable now; they move at the next reclaim.
                drops.add(LuaScript.STRICT_LEAVE.run(ctx.control(), ScriptOutputType.INTEGER, strictKeys(t.topic),
                        strictArgs(t.topic, deadlineArg)));
            }
            if (t.groupReady) {
                drops.add(LuaScript.DROP_CONSUMER.run(ctx.control(), ScriptOutputType.INTEGER, new byte[][] {t.key},
                        group, consumer));
            }
        }
        return CompletableFuture.allOf(drops.toArray(CompletableFuture[]::new));
    }

    // ------------------------------------------------------------------ small parts

    private static Map<String, List<String>> byTopic(Collection<StreamPosition> positions) {
        Map<String, List<String>> byTopic = new LinkedHashMap<>();
        for (StreamPosition p : positions) {
            byTopic.computeIfAbsent(p.topic(), k -> new ArrayList<>()).add(p.entryId().toString());
        }
        return byTopic;
    }

    @SuppressWarnings("unchecked")
    private static List<List<Object>> entries(Object reply) {
        return (List<List<Object>>) reply;
    }

    private static boolean isNoGroup(Throwable error) {
        Throwable e = unwrap(error);
        // from a script the error can come wrapped: "ERR Error running script ...: NOGROUP ..."
        return e instanceof RedisCommandExecutionException && String.valueOf(e.getMessage()).contains("NOGROUP");
    }

    private static byte[] arg(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }
}
