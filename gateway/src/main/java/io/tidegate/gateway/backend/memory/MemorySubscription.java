package io.tidegate.gateway.backend.memory;

import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliveryGap;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.GroupSteering;
import io.tidegate.gateway.backend.StartAt;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.backend.SubscriptionSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription of the memory backend: reads its topics' logs (broadcast) or takes from its
 * groups (group mode) as far as demand allows and hands batches to the sink.
 *
 * <p>Threading: {@link #request}, {@link #ack}, {@link #nack}, {@link #extendDeadline},
 * {@link #close} and {@link #signal} may be called from any thread and never block on
 * delivery. Delivery runs as a drain task on the backend's executor; a work-in-progress
 * counter makes sure at most one drain runs per subscription, so the sink sees one call at a
 * time and never on the thread of whoever appended or requested.
 */
final class MemorySubscription implements BackendSubscription {

    private static final Logger LOG = LoggerFactory.getLogger(MemorySubscription.class);
    private static final Source[] NO_SOURCES = new Source[0];
    /** Largest batch handed to the sink at once. */
    static final int MAX_BATCH = 256;
    /** Batches one drain delivers before giving its executor thread to other subscriptions. */
    private static final int BATCHES_PER_TURN = 8;

    /** Where a subscription's messages come from: one topic's log, or one group on a topic. */
    interface Source {
        /** Adds at most {@code max} messages to {@code out}; returns how many. Drain thread only. */
        int take(MemorySubscription reader, int max, List<StoredMessage> out);
    }

    final SubscriptionSpec spec;
    final long ackDeadlineNanos;
    /** Predictive balancing: the group's steering and this member's place in it; both null under pull. */
    final GroupSteering<MemorySubscription> steering;
    final GroupSteering.Member<MemorySubscription> steer;
    private final DeliverySink sink;
    private final MemoryBackend backend;
    private final Executor executor;
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile boolean closed;
    private volatile Source[] sources = NO_SOURCES;
    private final Object sourcesLock = new Object();
    /** Wall-clock milliseconds when the backend took the subscription. */
    volatile long subscribedAtMillis;
    /** Topics attached; written under the backend's registry lock (see {@link #attach}). */
    private final java.util.Set<String> attached = java.util.concurrent.ConcurrentHashMap.newKeySet();
    // drain thread only: where the next batch starts, so one busy topic cannot starve the rest
    private int firstSource;
    private List<StoredMessage> spare;
    // drain thread only: holes found by the batch being collected, told to the sink before it
    private final List<DeliveryGap> gaps = new ArrayList<>(0);

    MemorySubscription(SubscriptionSpec spec, DeliverySink sink, MemoryBackend backend, Executor executor,
                       long ackDeadlineNanos, GroupSteering<MemorySubscription> steering) {
        this.spec = spec;
        this.steering = steering;
        this.steer = steering == null ? null : steering.join(this);
        this.sink = sink;
        this.backend = backend;
        this.executor = executor;
        this.ackDeadlineNanos = ackDeadlineNanos;
    }

    @Override
    public void request(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("request(" + n + "): demand must be positive");
        }
        if (steering != null) {
            // before the demand grows, so the steering never sees less room than a take has
            steering.grant(steer, n);
        }
        demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        signal();
    }

    @Override
    public void ack(Collection<StreamPosition> positions) {
        if (spec.isGroup()) {
            forEachTopicRun(positions, (cursor, ids) -> cursor.ack(ids));
        }
    }

    @Override
    public void nack(Collection<StreamPosition> positions, Duration delay) {
        if (spec.isGroup()) {
            long nanos = delay.isNegative() ? 0 : delay.toNanos();
            forEachTopicRun(positions, (cursor, ids) -> cursor.nack(ids, nanos));
        }
    }

    @Override
    public void extendDeadline(Collection<StreamPosition> positions, Duration extension) {
        if (spec.isGroup()) {
            long nanos = Math.min(extension.isNegative() ? 0 : extension.toNanos(), backend.maxAckDeadlineNanos());
            forEachTopicRun(positions, (cursor, ids) -> cursor.extend(ids, nanos));
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        // set before detaching: a drain that collects after this sees it (groups check it under
        // their lock), so nothing appended after close() returns reaches the sink
        closed = true;
        backend.unregister(this);
        if (steering != null) {
            steering.leave(steer);
        }
        for (Source s : sources) {
            if (s instanceof GroupCursor g) {
                g.log.removeListener(this);
                g.removeMember(this);
            } else if (s instanceof BroadcastSource b) {
                b.log.removeListener(this);
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Something may be readable: start a drain unless one is running (it will loop once more)
     * or there is no demand (then {@link #request} starts it). Costs two atomic reads when idle.
     */
    void signal() {
        if (closed || demand.get() == 0) {
            return;
        }
        if (wip.getAndIncrement() == 0) {
            submitDrain();
        }
    }

    @Override
    public void rescan() {
        if (!closed) {
            backend.rescan(this);
        }
    }

    /** Starts reading {@code log} unless it already does; called under the backend's registry lock. */
    void attach(TopicLog log, boolean newTopic) {
        attach(log, newTopic, spec.start());
    }

    /**
     * Starts reading a topic found by {@link #rescan}: a LATEST subscription reads it from when it
     * subscribed, as the Redis backend does, so what was appended since is not lost to the late find.
     */
    void attachFound(TopicLog log) {
        attach(log, false, spec.start().kind() == StartAt.Kind.LATEST
                ? StartAt.timestamp(subscribedAtMillis * 1_000_000) : spec.start());
    }

    private void attach(TopicLog log, boolean newTopic, StartAt start) {
        if (!attached.add(log.topic)) {
            return;
        }
        Source source;
        if (spec.isGroup()) {
            GroupCursor cursor = log.groups.computeIfAbsent(spec.group(),
                    g -> new GroupCursor(g, log, newTopic ? 0 : log.startOffset(start), backend,
                            backend.maxDeliveries()));
            cursor.addMember(this);
            source = cursor;
        } else {
            EntryId first = start.firstIdFor(log.topic);
            // a topic created after subscribing is read from its first entry: all of it is new
            long offset = newTopic ? 0 : log.startOffset(start);
            BroadcastSource b = new BroadcastSource(log, offset, first);
            if (!newTopic && first != null && !first.equals(EntryId.MIN) && log.trimmedFrom(first)) {
                // a start older than what is retained: the log no longer knows how many were there
                EntryId asked = start.kind() == StartAt.Kind.POSITION ? start.after().get(log.topic) : null;
                b.pending = new DeliveryGap(log.topic, asked, null, DeliveryGap.UNKNOWN);
            }
            source = b;
        }
        synchronized (sourcesLock) {
            Source[] old = sources;
            Source[] grown = Arrays.copyOf(old, old.length + 1);
            grown[old.length] = source;
            sources = grown;
        }
        log.addListener(this);
        // a group may already hold ready entries, or the new source may have a backlog
        signal();
    }

    private void submitDrain() {
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            // the backend is closing; nothing more will be delivered
        }
    }

    private void drain() {
        int missed = wip.get();
        int batches = 0;
        for (;;) {
            while (!closed) {
                long d = demand.get();
                if (d == 0) {
                    break;
                }
                List<StoredMessage> batch = collect((int) Math.min(d, MAX_BATCH));
                if (batch == null || closed) {
                    break;
                }
                demand.addAndGet(-batch.size());
                try {
                    if (!gaps.isEmpty()) {
                        tellGaps();
                    }
                    sink.onMessages(batch);
                } catch (RuntimeException e) {
                    fail(e);
                    return;
                }
                if (++batches == BATCHES_PER_TURN) {
                    // wip stays above zero, so no other drain starts until this one resumes
                    submitDrain();
                    return;
                }
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /** Up to {@code max} messages from the sources, round robin; null when there is nothing. */
    private List<StoredMessage> collect(int max) {
        Source[] all = sources;
        if (all.length == 0) {
            return null;
        }
        List<StoredMessage> out = spare != null ? spare : new ArrayList<>(Math.min(max, MAX_BATCH));
        spare = null;
        int start = firstSource < all.length ? firstSource : 0;
        firstSource = start + 1;
        for (int i = 0; i < all.length && out.size() < max; i++) {
            all[(start + i) % all.length].take(this, max - out.size(), out);
        }
        if (out.isEmpty()) {
            spare = out;
            return null;
        }
        return out;
    }

    private void tellGaps() {
        for (DeliveryGap gap : gaps) {
            backend.gapCounter().count(gap);
            sink.onGap(gap);
        }
        gaps.clear();
    }

    /** A source found a hole before the entries it just added to the batch; drain thread only. */
    void gapFound(DeliveryGap gap) {
        gaps.add(gap);
    }

    private void fail(RuntimeException e) {
        LOG.warn("subscription {}: sink threw, closing the subscription", spec.key(), e);
        close();
        try {
            sink.onError(e);
        } catch (RuntimeException again) {
            LOG.warn("subscription {}: sink threw from onError too", spec.key(), again);
        }
    }

    private interface GroupAction {
        void apply(GroupCursor cursor, List<EntryId> ids);
    }

    // Positions usually arrive grouped by topic; each run costs one lookup and one lock.
    private void forEachTopicRun(Collection<StreamPosition> positions, GroupAction action) {
        String topic = null;
        List<EntryId> ids = new ArrayList<>(positions.size());
        for (StreamPosition p : positions) {
            if (!p.topic().equals(topic)) {
                applyRun(topic, ids, action);
                topic = p.topic();
                ids = new ArrayList<>();
            }
            ids.add(p.entryId());
        }
        applyRun(topic, ids, action);
    }

    private void applyRun(String topic, List<EntryId> ids, GroupAction action) {
        if (topic == null || ids.isEmpty()) {
            return;
        }
        GroupCursor cursor = backend.groupCursor(topic, spec.group());
        if (cursor != null) {
            action.apply(cursor, ids);
        }
    }

    /**
     * One topic read by one broadcast subscription; its state is touched by the drain only.
     * Offsets are contiguous, so a read that starts past its offset (the head moved on) counts
     * exactly how many entries retention trimmed from under it.
     */
    static final class BroadcastSource implements Source {
        final TopicLog log;
        private long next;
        // entries below this id are skipped; only matters for a start time in the future
        private EntryId floor;
        // the last entry taken, or the one before the start; null when none
        private EntryId last;
        // a hole not yet told: it is told with the first entry taken after it
        DeliveryGap pending;

        BroadcastSource(TopicLog log, long next, EntryId floor) {
            this.log = log;
            this.next = next;
            this.floor = floor == null || floor.equals(EntryId.MIN) ? null : floor;
            this.last = log.idBefore(next);
        }

        @Override
        public int take(MemorySubscription reader, int max, List<StoredMessage> out) {
            int before = out.size();
            for (;;) {
                long from = next;
                next = log.read(from, max, out);
                long skipped = next - (out.size() - before) - from;
                if (skipped > 0) {
                    holeOf(skipped);
                }
                if (floor != null && next != from) {
                    int keep = before;
                    while (keep < out.size() && out.get(keep).position().entryId().compareTo(floor) < 0) {
                        keep++;
                    }
                    if (keep < out.size()) {
                        floor = null;
                    }
                    out.subList(before, keep).clear();
                }
                if (out.size() > before) {
                    if (pending != null) {
                        reader.gapFound(pending.endingAt(out.get(before).position().entryId()));
                        pending = null;
                    }
                    last = out.get(out.size() - 1).position().entryId();
                    return out.size() - before;
                }
                if (floor == null || next == from) {
                    return 0;
                }
            }
        }

        private void holeOf(long skipped) {
            if (pending == null) {
                pending = new DeliveryGap(log.topic, last, null, skipped);
            } else if (pending.lostKnown()) {
                pending = new DeliveryGap(log.topic, pending.from(), null, pending.lost() + skipped);
            }
        }
    }
}
