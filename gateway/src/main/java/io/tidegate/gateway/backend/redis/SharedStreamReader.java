package io.tidegate.gateway.backend.redis;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.ReadLoop;
import io.tidegate.gateway.backend.StoredMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reader that serves every broadcast subscription waiting at the head of its topics: it
 * loops one read that waits at the head ({@link HeadRead}: on standalone Redis a blocking
 * {@code XREAD BLOCK ... STREAMS t1..tk id1..idk}, on Redis Cluster a wake-up on the topics'
 * wake channels and non-blocking XREADs) over the topics
 * that have waiting subscriptions ({@link LiveWait}s), each at the reader's own <em>shared
 * cursor</em>, decodes every entry once and hands each topic's entries to the waits that stood
 * at or after the cursor the read started from. A wait that stood before it (it fell behind)
 * is left waiting: its subscription reads on its own (see {@link BroadcastSubscription}).
 *
 * <p>Group members ({@link GroupSubscription} with pooled group reads) park here too, at the
 * newest entry id they saw, as wake-up waits: for each group, as many of its waiting members as
 * the read returned entries after their ids are woken (longest-waiting first, since a woken
 * member parks again at the back) and each reads for itself with a non-blocking XREADGROUP.
 *
 * <p>The shared cursor only matters to the reader: every wait takes only entries after its own
 * cursor, so moving the shared cursor back (a subscription that has just found nothing after its
 * cursor parks there) costs a re-read, never a duplicate; and each read starts no earlier than the
 * earliest waiting cursor, so no read goes to entries nobody waits for. A topic nobody waits on is
 * dropped from the read after one round, so the set read follows demand.
 *
 * <p>Waking: a new topic, or a cursor moved back, while the read is blocked ends it early
 * ({@link HeadRead.Attempt#wake}: CLIENT UNBLOCK from the control connection on standalone Redis).
 *
 * <p>Threading: {@link #park} and {@link #leave} are thread-safe and never block; the read loop
 * runs one step at a time on the worker pool and waits on Redis through futures. As a
 * {@link ReadLoop} its methods are thread-safe and never block.
 */
final class SharedStreamReader implements ReadLoop {

    private static final Logger LOG = LoggerFactory.getLogger(SharedStreamReader.class);

    private final String name;
    private final HeadRead head;
    private final SharedConnection catchUp;
    private final ScheduledExecutorService executor;
    private final ReadGuard reads;
    /** Entries per stream in one read; read at each read, as the tuning controller may move it. */
    private final IntSupplier count;

    private final Object lock = new Object();
    // Guarded by lock.
    private final Map<String, Feed> feeds = new HashMap<>();
    private boolean running;
    private boolean closed;
    /** The read in flight; set with the snapshot it reads, under lock. */
    private volatile Read inFlight;

    private int failures;
    /** When a read last finished, or the loop last started: what the read-loop watchdog watches. */
    private volatile long lastProgressNanos = System.nanoTime();

    SharedStreamReader(String name, HeadRead head, SharedConnection catchUp, ScheduledExecutorService executor,
                       ReadGuard reads, IntSupplier count) {
        this.catchUp = catchUp;
        this.name = name;
        this.head = head;
        this.executor = executor;
        this.reads = reads;
        this.count = count;
    }

    /**
     * Adds {@code wait} to the waits of its topics on this reader. Without {@code mayLower} it is
     * refused (false) when a topic's shared cursor has passed the wait's cursor: entries between
     * them were fanned out without it, and it must read them on its own first. With it, the
     * shared cursor moves back to the wait's (the caller has just found nothing after it).
     */
    boolean park(LiveWait wait, List<LiveWait.Spot> spots, boolean mayLower) {
        boolean wake = false;
        boolean start = false;
        Map<String, LiveWait.Batch> fromLastBatch = null;
        synchronized (lock) {
            if (closed) {
                return false;
            }
            for (LiveWait.Spot s : spots) {
                Feed f = feeds.get(s.topic());
                if (f == null || f.cursor.compareTo(s.after()) <= 0) {
                    continue;
                }
                List<LiveWait.Entry> missed = f.lastBatchAfter(s.after());
                if (missed != null) {
                    if (fromLastBatch == null) {
                        fromLastBatch = new HashMap<>(2);
                    }
                    fromLastBatch.put(s.topic(), new LiveWait.Batch(missed, f.lastBatchFull, f.lastBatchInfo));
                } else if (!mayLower) {
                    return false;
                }
            }
            if (fromLastBatch == null) {
                for (LiveWait.Spot s : spots) {
                    Feed f = feeds.get(s.topic());
                    if (f == null) {
                        f = new Feed(s.topic(), s.key(), s.after());
                        feeds.put(s.topic(), f);
                        wake = true;
                    } else if (f.cursor.compareTo(s.after()) > 0) {
                        f.cursor = s.after();
                        f.lastBatch = List.of();
                        wake = true;
                    } else if (f.parked.isEmpty()) {
                        // a topic kept for one round without waits is not in the blocked read
                        wake = true;
                    }
                    f.parked.add(wait);
                }
                if (!running) {
                    running = true;
                    start = true;
                    lastProgressNanos = System.nanoTime();
                }
            }
        }
        if (fromLastBatch != null) {
            // it missed only entries this reader still holds: no read of its own needed
            wait.offer(fromLastBatch);
        } else if (start) {
            executor.execute(this::loop);
        } else if (wake) {
            wakeRead();
        }
        return true;
    }

    /** Takes {@code wait} off its topics; called once it has its entries, timed out or was woken. */
    void leave(LiveWait wait, List<LiveWait.Spot> spots) {
        synchronized (lock) {
            for (LiveWait.Spot s : spots) {
                Feed f = feeds.get(s.topic());
                if (f != null) {
                    f.parked.remove(wait);
                }
            }
        }
    }

    /** Stops the loop and closes the connection; the waits time out by themselves. */
    void close() {
        synchronized (lock) {
            closed = true;
        }
        wakeRead();
        head.close();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean hasDemand() {
        synchronized (lock) {
            return running && !closed;
        }
    }

    @Override
    public long lastProgressNanos() {
        return lastProgressNanos;
    }

    /** Closes the reader connection: the read in flight fails and the loop reads on a fresh one. */
    @Override
    public void restart() {
        head.restart();
    }

    /**
     * Redis lost its data: the last reads' entries are gone from it, and a wait re-anchored at a
     * new stream's start must read that stream, not be served them again from memory.
     */
    void forgetLastBatches() {
        synchronized (lock) {
            for (Feed f : feeds.values()) {
                f.lastBatch = List.of();
            }
        }
    }

    /** The number of topics this reader reads now, for tests and logs. */
    int topicsInDemand() {
        synchronized (lock) {
            return (int) feeds.values().stream().filter(f -> !f.parked.isEmpty()).count();
        }
    }

    // ------------------------------------------------------------------ the loop

    private void loop() {
        if (!reads.tryAcquire()) {
            // The breaker is open: the waits time out and re-park; retry when the probes allow.
            executor.schedule(this::loop, reads.backoffMillis(failures + 1), TimeUnit.MILLISECONDS);
            return;
        }
        Read read;
        List<String> following = new ArrayList<>();
        synchronized (lock) {
            List<Snapshot> topics = new ArrayList<>();
            if (!closed) {
                feeds.values().removeIf(f -> {
                    boolean idle = f.parked.isEmpty() && !f.kept;
                    f.kept = false;
                    return idle;
                });
                for (Feed f : feeds.values()) {
                    following.add(f.topic);
                    if (!f.parked.isEmpty()) {
                        f.skipToEarliestWait();
                        topics.add(new Snapshot(f, f.cursor));
                    }
                }
            }
            if (topics.isEmpty()) {
                running = false;
                inFlight = null;
                reads.release();
                head.idle();
                return;
            }
            read = new Read(topics, head.begin());
            inFlight = read;
        }
        long startNanos = System.nanoTime();
        XReadArgs.StreamOffset<byte[]>[] offsets = RedisSubscription.offsetArray(read.topics.size());
        for (int i = 0; i < offsets.length; i++) {
            Snapshot s = read.topics.get(i);
            offsets[i] = XReadArgs.StreamOffset.from(s.feed.key, s.after.toString());
        }
        CompletableFuture<List<StreamMessage<byte[], byte[]>>> reply;
        try {
            reply = head.read(read.attempt, following, offsets);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((entries, error) -> read.attempt.done = true)
                .whenCompleteAsync((entries, error) -> afterRead(read, entries, error, System.nanoTime() - startNanos),
                        executor);
    }

    private void afterRead(Read read, List<StreamMessage<byte[], byte[]>> entries, Throwable error, long tookNanos) {
        lastProgressNanos = System.nanoTime();
        if (error == null) {
            reads.onSuccess(tookNanos);
            if (failures > 0) {
                LOG.info("shared reader {}: Redis reads work again after {} failed attempts", name, failures);
            }
            failures = 0;
            try {
                fanOut(read, entries);
            } catch (RuntimeException e) {
                LOG.error("shared reader {}: fan-out failed", name, e);
            }
            loop();
            return;
        }
        boolean isClosed;
        synchronized (lock) {
            isClosed = closed;
        }
        if (isClosed) {
            reads.release();
            synchronized (lock) {
                running = false;
            }
            return;
        }
        reads.onFailure(tookNanos, RedisSubscription.unwrap(error));
        head.failed();
        if (failures++ == 0) {
            LOG.warn("shared reader {}: Redis read failed ({}); retrying with backoff", name, error.toString());
        }
        executor.schedule(this::loop, reads.backoffMillis(failures), TimeUnit.MILLISECONDS);
    }

    /**
     * Decodes each topic's entries once and gives every wait that stood at or after the read's
     * cursor the entries after its own; moves the shared cursor on unless it was moved back.
     */
    private void fanOut(Read read, List<StreamMessage<byte[], byte[]>> entries) {
        if (entries == null || entries.isEmpty()) {
            return;
        }
        Map<String, List<StreamMessage<byte[], byte[]>>> byKey = new HashMap<>();
        for (StreamMessage<byte[], byte[]> e : entries) {
            byKey.computeIfAbsent(RedisKeys.string(e.getStream()), k -> new ArrayList<>()).add(e);
        }
        Map<LiveWait, Map<String, LiveWait.Batch>> out = new IdentityHashMap<>();
        for (Snapshot s : read.topics) {
            List<StreamMessage<byte[], byte[]>> got = byKey.get(RedisKeys.string(s.feed.key));
            if (got == null) {
                continue;
            }
            List<LiveWait.Entry> decoded = decode(s.feed.topic, got);
            boolean full = got.size() >= count.getAsInt();
            LiveWait.StreamInfoOnce info = new LiveWait.StreamInfoOnce(catchUp.async(), s.feed.key);
            EntryId last = decoded.get(decoded.size() - 1).id();
            synchronized (lock) {
                Feed f = s.feed;
                if (feeds.get(f.topic) != f) {
                    continue;
                }
                if (f.cursor.equals(s.after)) {
                    f.cursor = last;
                    f.lastBatchAfter = s.after;
                    f.lastBatch = decoded;
                    f.lastBatchFull = full;
                    f.lastBatchInfo = info;
                }
                f.kept = true;
                Map<String, Integer> wokenPerGroup = null;
                for (LiveWait w : f.parked) {
                    EntryId mine = w.after(f.topic);
                    if (w.wakeGroup != null) {
                        // A member reads for itself: wake no more members of a group than entries
                        // came, so one entry costs one XREADGROUP, not one per waiting member.
                        if (mine == null || w.result.isDone() || last.compareTo(mine) <= 0) {
                            continue;
                        }
                        if (wokenPerGroup == null) {
                            wokenPerGroup = new HashMap<>(2);
                        }
                        if (wokenPerGroup.getOrDefault(w.wakeGroup, 0) < decoded.size()) {
                            if (!w.chooseToWake()) {
                                continue;
                            }
                            wokenPerGroup.merge(w.wakeGroup, 1, Integer::sum);
                            out.computeIfAbsent(w, x -> new HashMap<>(2)).put(f.topic, new LiveWait.Batch(decoded, full, info));
                        } else {
                            // the members woken cover these entries; this one parks again after them
                            w.advance(f.topic, last);
                        }
                        continue;
                    }
                    if (mine == null || mine.compareTo(s.after) < 0) {
                        continue;
                    }
                    List<LiveWait.Entry> after = after(decoded, mine);
                    if (!after.isEmpty()) {
                        out.computeIfAbsent(w, x -> new HashMap<>(2)).put(f.topic, new LiveWait.Batch(after, full, info));
                    }
                }
            }
        }
        out.forEach(LiveWait::offer);
    }

    private List<LiveWait.Entry> decode(String topic, List<StreamMessage<byte[], byte[]>> got) {
        List<LiveWait.Entry> decoded = new ArrayList<>(got.size());
        for (StreamMessage<byte[], byte[]> e : got) {
            StoredMessage m;
            try {
                m = StreamEntryCodec.decode(topic, e.getId(), e.getBody(), 1);
            } catch (StreamEntryCodec.MalformedEntryException bad) {
                LOG.warn("shared reader {}: skipping {}", name, bad.getMessage());
                m = null;
            }
            // the codec parsed the id already; parse again only for an entry it could not decode
            decoded.add(new LiveWait.Entry(m != null ? m.position().entryId() : EntryId.parse(e.getId()), m));
        }
        return List.copyOf(decoded);
    }

    /** The entries after {@code cursor}: a view of the shared list, the whole of it in the usual case. */
    private static List<LiveWait.Entry> after(List<LiveWait.Entry> entries, EntryId cursor) {
        int from = 0;
        while (from < entries.size() && entries.get(from).id().compareTo(cursor) <= 0) {
            from++;
        }
        return from == 0 ? entries : entries.subList(from, entries.size());
    }

    private void wakeRead() {
        Read r = inFlight;
        if (r != null) {
            r.attempt.wake();
        }
    }

    /** One topic read by this reader: its shared cursor and the waits on it. Guarded by the reader's lock. */
    private static final class Feed {
        final String topic;
        final byte[] key;
        EntryId cursor;
        final Set<LiveWait> parked = new LinkedHashSet<>();
        /** Delivered or created since the last round: kept one more round even without waits. */
        boolean kept = true;
        /**
         * The entries of the last read, which ended at {@link #cursor}, and the cursor that read
         * started after: a wait that missed only these is served from memory. At most one read
         * (read-count entries) per topic, shared by all its subscriptions.
         */
        List<LiveWait.Entry> lastBatch = List.of();
        EntryId lastBatchAfter;
        boolean lastBatchFull;
        LiveWait.StreamInfoOnce lastBatchInfo;

        Feed(String topic, byte[] key, EntryId cursor) {
            this.topic = topic;
            this.key = key;
            this.cursor = cursor;
        }

        /**
         * Moves the cursor up to the earliest cursor of the waits parked here: nobody waits for
         * the entries before it. A cursor left behind (by a subscription that parked low, took part
         * of a batch and caught up on its own) would otherwise be read forward read-count entries
         * at a time, each read handed to nobody, while the waits ahead of it get nothing.
         */
        void skipToEarliestWait() {
            EntryId earliest = null;
            for (LiveWait w : parked) {
                EntryId mine = w.after(topic); // never null: a wait is parked only on the topics it covers
                if (earliest == null || mine.compareTo(earliest) < 0) {
                    earliest = mine;
                }
            }
            if (earliest != null && earliest.compareTo(cursor) > 0) {
                cursor = earliest;
                // the last batch ends at the old cursor: a wait short of the new one reads on its own
                lastBatch = List.of();
            }
        }

        /** The last read's entries after {@code after}; null when that read does not reach back to it. */
        List<LiveWait.Entry> lastBatchAfter(EntryId after) {
            if (lastBatch.isEmpty() || after.compareTo(lastBatchAfter) < 0) {
                return null;
            }
            return SharedStreamReader.after(lastBatch, after);
        }
    }

    /** A topic as one read saw it. */
    private record Snapshot(Feed feed, EntryId after) {
    }

    /** One read in flight: the topics it reads and how it waits. */
    private record Read(List<Snapshot> topics, HeadRead.Attempt attempt) {
    }
}
