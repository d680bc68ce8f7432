package io.tidegate.gateway.backend.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.async.RedisStreamAsyncCommands;
import io.tidegate.gateway.backend.DeliveryGap;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.backend.SubscriptionSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A BROADCAST subscription: XREAD over its topics' streams with its own cursor per topic, kept
 * in gateway memory (Redis keeps nothing per broadcast subscriber, so a thousand subscribers
 * cost Redis nothing but their reads).
 *
 * <p>XREAD's COUNT applies per stream, so a read over many streams can return more than the
 * demand; the surplus is simply not delivered and the cursors stay before it, so the next read
 * fetches it again. Per topic, what is delivered is always a prefix of what was read, so order
 * holds.
 *
 * <p>Holes: a subscriber that pauses (or reads slower than its topics fill) can fall behind
 * retention, and XREAD then silently starts at the first entry still stored. So a topic whose
 * cursor may be stale (see {@link TopicCursor#checkGap}) is checked once with XINFO STREAM right
 * after the read that delivers from it ({@link RetentionGapCheck}), and a hole is told to the sink
 * before that delivery. A subscriber keeping up never pays for the check. Threading: see
 * {@link RedisSubscription}; ack, nack and deadline calls do nothing.
 */
final class BroadcastSubscription extends RedisSubscription {

    private static final Logger LOG = LoggerFactory.getLogger(BroadcastSubscription.class);

    /** The last cycle took all it read with demand to spare; confined to the read cycle. */
    private boolean keptUp;
    /**
     * Shared readers only: the cursors stood at the shared readers' head when the last cycle
     * ended (it took a whole live batch, or waited out the block time), so the next cycle may
     * wait again without reading on its own first. Confined to the read cycle.
     */
    private boolean live;
    /** Shared readers only: the wait in progress, null when none; ended early by {@link #interrupted}. */
    private volatile LiveWait waiting;
    /** Null when this subscription reads through a connection of its own. */
    private final SharedStreamReaders shared;

    BroadcastSubscription(SubscriptionSpec spec, DeliverySink sink, SubscriptionContext ctx) {
        super(spec, sink, ctx);
        this.shared = ctx.shared();
    }

    @Override
    protected boolean ownsReaders() {
        return shared == null;
    }

    @Override
    protected CompletableFuture<Void> cycle(List<TopicCursor> topics, long demand, StartCursors cursors) {
        Map<String, TopicCursor> byKey = new HashMap<>();
        boolean paused = !keptUp;
        keptUp = false;
        for (TopicCursor t : topics) {
            if (t.after == null) {
                t.after = cursors.readAfter(t.topic);
                t.positioned = cursors.namesEntry(t.topic);
                t.ordinal = cursors.ordinalAfter(t.topic);
                live = false;
            }
            if (paused) {
                t.checkGap = true;
            }
            byKey.put(RedisKeys.string(t.key), t);
        }
        int count = countPerStream(demand, topics.size());
        if (shared != null) {
            return reanchor(topics).thenCompose(ignored -> {
                if (live) {
                    LiveWait wait = shared.park(spots(topics), false);
                    if (wait != null) {
                        waitsOnlyOnSharedReaders();
                        return awaitLive(wait, topics, demand);
                    }
                    live = false;
                }
                return catchUp(topics, byKey, demand, count);
            });
        }
        return reanchor(topics).thenCompose(ignored -> readStreams(topics, (reader, group, block) -> {
            XReadArgs.StreamOffset<byte[]>[] offsets = offsetArray(group.size());
            for (int i = 0; i < group.size(); i++) {
                offsets[i] = XReadArgs.StreamOffset.from(group.get(i).key, group.get(i).after.toString());
            }
            XReadArgs args = block ? XReadArgs.Builder.block(ctx.blockTimeout()).count(count) : XReadArgs.Builder.count(count);
            return reader.redis().xread(args, offsets).toCompletableFuture();
        })).thenCompose(read -> {
            if (read == null || read.isEmpty() || isClosed()) {
                keptUp = true;
                if (read != null && read.isEmpty()) {
                    atHead();
                }
                return CompletableFuture.completedFuture(null);
            }
            return deliver(take(read, byKey, demand, count), demand);
        });
    }

    /**
     * Shared readers: reads on its own, without blocking, from its cursors; when that finds
     * nothing the cursors are at the head, and the cycle waits for a shared reader instead.
     */
    private CompletableFuture<Void> catchUp(List<TopicCursor> topics, Map<String, TopicCursor> byKey, long demand,
                                            int count) {
        XReadArgs.StreamOffset<byte[]>[] offsets = offsetArray(topics.size());
        for (int i = 0; i < topics.size(); i++) {
            offsets[i] = XReadArgs.StreamOffset.from(topics.get(i).key, topics.get(i).after.toString());
        }
        CompletableFuture<List<StreamMessage<byte[], byte[]>>> reading = shared.readNow(count, offsets);
        Map<TopicCursor, LiveWait.StreamInfoOnce> infos = infoAfterRead(topics);
        return onPool(reading)
                .thenCompose(read -> {
                    if (isClosed()) {
                        return CompletableFuture.completedFuture(null);
                    }
                    if (read == null || read.isEmpty()) {
                        keptUp = true;
                        atHead();
                        return awaitLive(shared.park(spots(topics), true), topics, demand);
                    }
                    Taken taken = take(read, byKey, demand, count);
                    taken.checks.forEach((t, check) -> check.info = infos.get(t));
                    return deliver(taken, demand);
                });
    }

    /**
     * XINFO STREAM, sent right behind the read on the same connection, of each topic whose read is
     * due a hole check: Redis answers it as of just after the read, and the check costs no round
     * trip of its own (a far Redis would otherwise double the cycle of a subscriber catching up).
     */
    private Map<TopicCursor, LiveWait.StreamInfoOnce> infoAfterRead(List<TopicCursor> topics) {
        Map<TopicCursor, LiveWait.StreamInfoOnce> infos = new HashMap<>(2);
        for (TopicCursor t : topics) {
            if (t.checkGap) {
                LiveWait.StreamInfoOnce info = new LiveWait.StreamInfoOnce(shared.catchUp(), t.key);
                info.get();
                infos.put(t, info);
            }
        }
        return infos;
    }

    /** Waits for a shared reader's entries (or the block time, or a wake) and delivers them. */
    private CompletableFuture<Void> awaitLive(LiveWait wait, List<TopicCursor> topics, long demand) {
        waiting = wait;
        if (changedSinceSnapshot()) {
            wait.woken();
        }
        return wait.result.thenComposeAsync(batches -> {
            waiting = null;
            keptUp = true;
            atHead(); // a shared reader's wait starts only from the head
            if (batches == null || isClosed()) {
                live = false;
                return CompletableFuture.completedFuture(null);
            }
            if (batches.isEmpty()) {
                live = true;
                return CompletableFuture.completedFuture(null);
            }
            Taken taken = takeLive(batches, topics, demand);
            live = !taken.cut;
            return deliver(taken, demand);
        }, ctx.executor());
    }

    @Override
    protected void interrupted() {
        LiveWait w = waiting;
        if (w != null) {
            w.woken();
        }
    }

    private static List<LiveWait.Spot> spots(List<TopicCursor> topics) {
        List<LiveWait.Spot> spots = new ArrayList<>(topics.size());
        for (TopicCursor t : topics) {
            spots.add(new LiveWait.Spot(t.topic, t.key, t.after));
        }
        return spots;
    }

    /** Checks for holes where due, tells them, then delivers what was taken. */
    private CompletableFuture<Void> deliver(Taken taken, long demand) {
        return checkGaps(taken.checks).thenAccept(gaps -> {
            for (DeliveryGap gap : gaps) {
                tellGap(gap);
            }
            deliver(taken.messages);
            // a subscriber that took all there was and still wants more reads on at once; any
            // other may pause for as long as its client likes, and its cursors may go stale
            keptUp = !taken.cut && taken.messages.size() < demand;
        });
    }

    @Override
    protected void onBackendReset(List<TopicCursor> topics) {
        topics.forEach(t -> t.reanchor = true);
        live = false;
    }

    /** Commands for the non-blocking steps: the shared catch-up connection, or the topic's own reader. */
    private RedisStreamAsyncCommands<byte[], byte[]> commands(TopicCursor t) {
        return shared != null ? shared.catchUp() : reader(t).redis();
    }

    /**
     * After Redis lost its data: a cursor at or past the first entry of the new stream would
     * skip entries (or wait until new ids pass the old ones), so it moves back to the start.
     * A cursor before the new stream's first entry stays, so what was already read of the new
     * stream is not sent again.
     */
    private CompletableFuture<Void> reanchor(List<TopicCursor> topics) {
        List<CompletableFuture<Void>> moves = new ArrayList<>();
        for (TopicCursor t : topics) {
            if (!t.reanchor) {
                continue;
            }
            moves.add(commands(t).xrange(t.key, Range.create("-", "+"), Limit.from(1)).toCompletableFuture()
                    .thenAccept(first -> {
                        if (first.isEmpty() || EntryId.parse(first.get(0).getId()).compareTo(t.after) <= 0) {
                            LOG.info("subscription {}: reading {} again from the start of its stream after Redis "
                                    + "lost its data", spec.key(), t.topic);
                            t.after = EntryId.MIN;
                        }
                        t.reanchor = false;
                        t.ordinal = -1;
                    }));
        }
        return CompletableFuture.allOf(moves.toArray(CompletableFuture[]::new));
    }

    /**
     * Decodes up to {@code demand} entries, moving each topic's cursor past what it took. A topic
     * that returned a full COUNT, or whose entries were not all taken, is behind its stream: its
     * next delivering read checks for a hole.
     */
    private Taken take(List<StreamMessage<byte[], byte[]>> read, Map<String, TopicCursor> byKey, long demand,
                       int count) {
        Taken taken = new Taken(new ArrayList<>((int) Math.min(read.size(), demand)));
        Map<TopicCursor, Integer> returned = new HashMap<>();
        for (StreamMessage<byte[], byte[]> entry : read) {
            TopicCursor t = byKey.get(RedisKeys.string(entry.getStream()));
            if (t == null) {
                continue;
            }
            returned.merge(t, 1, Integer::sum);
            EntryId id = EntryId.parse(entry.getId());
            if (!takeOne(taken, t, id, demand)) {
                continue;
            }
            try {
                taken.messages.add(StreamEntryCodec.decode(t.topic, id, entry.getBody(), 1));
            } catch (StreamEntryCodec.MalformedEntryException e) {
                LOG.warn("subscription {}: skipping {}", spec.key(), e.getMessage());
            }
        }
        returned.forEach((t, n) -> {
            if (n >= count) {
                t.checkGap = true;
            }
        });
        return taken;
    }

    /**
     * {@link #take} for entries a shared reader decoded: each topic's batch holds only entries
     * after the cursor the wait was parked at, which is still the topic's cursor.
     */
    private Taken takeLive(Map<String, LiveWait.Batch> batches, List<TopicCursor> topics, long demand) {
        Taken taken = new Taken(new ArrayList<>());
        for (TopicCursor t : topics) {
            LiveWait.Batch batch = batches.get(t.topic);
            if (batch == null) {
                continue;
            }
            for (LiveWait.Entry entry : batch.entries()) {
                if (entry.id().compareTo(t.after) > 0 && takeOne(taken, t, entry.id(), demand)
                        && entry.message() != null) {
                    taken.messages.add(entry.message());
                }
            }
            GapCheck check = taken.checks.get(t);
            if (check != null) {
                check.info = batch.info();
            }
            if (batch.full()) {
                t.checkGap = true;
            }
        }
        return taken;
    }

    /**
     * Moves {@code t}'s cursor to {@code id} and notes it for a hole check when due; false (the
     * cursor stays) when the demand is used up.
     */
    private static boolean takeOne(Taken taken, TopicCursor t, EntryId id, long demand) {
        if (taken.messages.size() >= demand) {
            taken.cut = true;
            t.checkGap = true;
            return false;
        }
        GapCheck check = taken.checks.get(t);
        if (check == null && t.checkGap) {
            check = new GapCheck(t, t.after, t.positioned ? t.after : null, t.ordinal);
            taken.checks.put(t, check);
            t.checkGap = false;
        }
        if (check != null) {
            check.read.add(id);
        }
        t.after = id;
        t.positioned = true;
        if (t.ordinal >= 0) {
            t.ordinal++;
        }
        return true;
    }

    /**
     * XINFO STREAM for each topic read while it might have been behind retention, all at once;
     * completes with the holes found, and fixes each cursor's ordinal.
     */
    private CompletableFuture<List<DeliveryGap>> checkGaps(Map<TopicCursor, GapCheck> checks) {
        if (checks.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        List<CompletableFuture<DeliveryGap>> answers = new ArrayList<>(checks.size());
        for (GapCheck c : checks.values()) {
            CompletableFuture<List<Object>> info = c.info != null ? c.info.get()
                    : commands(c.topic).xinfoStream(c.topic.key).toCompletableFuture();
            answers.add(info.thenApply(reply -> {
                RetentionGapCheck.Result r = RetentionGapCheck.check(c.topic.topic, c.cursor, c.shownFrom, c.ordinal,
                        c.read, RetentionGapCheck.StreamInfo.parse(reply));
                c.topic.ordinal = r.ordinal();
                // until the ordinal is known a hole cannot be counted: check again on the next read
                c.topic.checkGap |= r.ordinal() < 0 && r.supported();
                return r.gap();
            }).exceptionally(error -> {
                // the check is best effort: the read itself succeeded and is delivered
                LOG.debug("subscription {}: gap check of {} failed: {}", spec.key(), c.topic.topic, error.toString());
                c.topic.ordinal = -1;
                c.topic.checkGap = true;
                return null;
            }));
        }
        return onPool(CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            List<DeliveryGap> gaps = new ArrayList<>(0);
            for (CompletableFuture<DeliveryGap> a : answers) {
                DeliveryGap gap = a.join();
                if (gap != null) {
                    gaps.add(gap);
                }
            }
            return gaps;
        }));
    }

    /** What one read took: the messages to deliver and the topics to check for a hole. */
    private static final class Taken {
        final List<StoredMessage> messages;
        final Map<TopicCursor, GapCheck> checks = new HashMap<>(2);
        /** Entries were left over because the demand ran out. */
        boolean cut;

        Taken(List<StoredMessage> messages) {
            this.messages = messages;
        }
    }

    /** One topic's read to check: where its cursor stood before and what the read took. */
    private static final class GapCheck {
        final TopicCursor topic;
        final EntryId cursor;
        final EntryId shownFrom;
        final long ordinal;
        final List<EntryId> read = new ArrayList<>();
        /** For a shared reader's batch: the one XINFO STREAM every subscription given it shares; else null. */
        LiveWait.StreamInfoOnce info;

        GapCheck(TopicCursor topic, EntryId cursor, EntryId shownFrom, long ordinal) {
            this.topic = topic;
            this.cursor = cursor;
            this.shownFrom = shownFrom;
            this.ordinal = ordinal;
        }
    }

    @Override
    public void ack(Collection<StreamPosition> positions) {
        // Broadcast deliveries are not tracked; nothing to settle.
    }

    @Override
    public void nack(Collection<StreamPosition> positions, Duration delay) {
        // A broadcast subscriber re-reads by resubscribing from a position.
    }

    @Override
    public void extendDeadline(Collection<StreamPosition> positions, Duration extension) {
        // Broadcast deliveries have no deadline.
    }
}
