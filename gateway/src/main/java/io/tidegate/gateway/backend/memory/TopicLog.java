package io.tidegate.gateway.backend.memory;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StartAt;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One topic's append-only stream in the memory backend: a ring of entries addressed by an
 * offset that only grows, trimmed from the head by length and age; the topic's dedup window;
 * the subscriptions to wake on append; the groups reading the topic.
 *
 * <p>Threading: entries, offsets, the id clock and the dedup window are guarded by this
 * object's monitor, which is held only for short copies and never while taking another lock.
 * Listeners are a copy-on-write array; groups a concurrent map.
 */
final class TopicLog {

    private static final MemorySubscription[] NO_LISTENERS = new MemorySubscription[0];
    private static final int MIN_CAPACITY = 16;
    private static final int MAX_CAPACITY = 1 << 30;

    final String topic;
    /** Group name to the group's state on this topic; an entry lives as long as the topic. */
    final ConcurrentHashMap<String, GroupCursor> groups = new ConcurrentHashMap<>(4);

    private final long maxLength;
    private final long maxAgeMillis;
    private final LongSupplier wallClock;
    private final DedupWindow dedup;

    private StoredMessage[] ring = new StoredMessage[MIN_CAPACITY];
    private long head;
    private long tail;
    private long lastMillis = -1;
    private long lastSeq;
    /** The id of the newest entry trimmed so far; null until one was. */
    private EntryId lastTrimmed;

    private final Object listenersLock = new Object();
    private volatile MemorySubscription[] listeners = NO_LISTENERS;

    TopicLog(String topic, long maxLength, long maxAgeMillis, long dedupWindowMillis, LongSupplier wallClock) {
        this.topic = topic;
        this.maxLength = maxLength;
        this.maxAgeMillis = maxAgeMillis;
        this.wallClock = wallClock;
        this.dedup = dedupWindowMillis > 0
                ? new DedupWindow(dedupWindowMillis, (int) Math.min(Math.max(maxLength, 65_536), MAX_CAPACITY))
                : null;
    }

    /**
     * Appends {@code batch[from, to)}, all of which belong to this topic, and writes each
     * message's result to {@code results} at the same index.
     */
    synchronized void append(List<Envelope> batch, int from, int to, AppendResult[] results) {
        long now = clockMillis();
        for (int i = from; i < to; i++) {
            Envelope e = batch.get(i);
            String id = e.id();
            boolean dedupable = dedup != null && !id.isEmpty();
            if (dedupable) {
                StoredMessage prior = dedup.find(id, now);
                if (prior != null) {
                    results[i] = AppendResult.duplicateOf(prior.position());
                    continue;
                }
            }
            StoredMessage entry = new StoredMessage(
                    new StreamPosition(topic, nextId(now)), e.message(), e.acceptedNanos(), 1);
            push(entry);
            if (dedupable) {
                dedup.remember(id, entry);
            }
            results[i] = AppendResult.accepted(entry.position());
        }
        trim(now);
        if (dedup != null) {
            dedup.expire(now);
        }
    }

    /**
     * Copies up to {@code max} entries from offset {@code from} (or the head, when those were
     * trimmed) into {@code out}; returns the offset after the last one copied.
     */
    synchronized long read(long from, int max, List<StoredMessage> out) {
        long o = Math.max(from, head);
        long end = Math.min(tail, o + max);
        int mask = ring.length - 1;
        for (; o < end; o++) {
            out.add(ring[(int) (o & mask)]);
        }
        return o;
    }

    /** The offset where a reader starting at {@code start} begins; the tail for "from now on". */
    synchronized long startOffset(StartAt start) {
        EntryId first = start.firstIdFor(topic);
        return first == null ? tail : offsetOf(first);
    }

    /** Offset of the first retained entry whose id is at least {@code id}; the tail if none. */
    private long offsetOf(EntryId id) {
        long lo = head;
        long hi = tail;
        int mask = ring.length - 1;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (ring[(int) (mid & mask)].position().entryId().compareTo(id) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The id of the entry just before {@code offset}, or null when it is not retained (or none is). */
    synchronized EntryId idBefore(long offset) {
        return offset > head && offset <= tail ? ring[(int) ((offset - 1) & (ring.length - 1))].position().entryId() : null;
    }

    /** True when retention trimmed an entry at or after {@code id}: a reader starting there missed it. */
    synchronized boolean trimmedFrom(EntryId id) {
        return lastTrimmed != null && lastTrimmed.compareTo(id) >= 0;
    }

    /** Time-based upkeep for quiet topics: age trimming, dedup expiry, giving back ring space. */
    synchronized void sweep() {
        long now = clockMillis();
        trim(now);
        if (dedup != null) {
            dedup.expire(now);
        }
        long size = tail - head;
        if (ring.length > 1024 && size < ring.length / 8) {
            resize((int) Math.max(MIN_CAPACITY, Long.highestOneBit(Math.max(size, 1)) << 2));
        }
    }

    synchronized long size() {
        return tail - head;
    }

    synchronized long headOffset() {
        return head;
    }

    synchronized long tailOffset() {
        return tail;
    }

    synchronized int ringCapacity() {
        return ring.length;
    }

    synchronized int dedupSize() {
        return dedup == null ? 0 : dedup.size();
    }

    void addListener(MemorySubscription s) {
        synchronized (listenersLock) {
            MemorySubscription[] old = listeners;
            MemorySubscription[] grown = java.util.Arrays.copyOf(old, old.length + 1);
            grown[old.length] = s;
            listeners = grown;
        }
    }

    void removeListener(MemorySubscription s) {
        synchronized (listenersLock) {
            MemorySubscription[] old = listeners;
            for (int i = 0; i < old.length; i++) {
                if (old[i] == s) {
                    MemorySubscription[] shrunk = new MemorySubscription[old.length - 1];
                    System.arraycopy(old, 0, shrunk, 0, i);
                    System.arraycopy(old, i + 1, shrunk, i, old.length - i - 1);
                    listeners = shrunk;
                    return;
                }
            }
        }
    }

    /**
     * Wakes every subscription reading this topic; one with no demand returns at once. The
     * first one woken rotates, so group members sharing a trickle of messages take turns.
     */
    void signalListeners() {
        MemorySubscription[] all = listeners;
        int start = all.length == 0 ? 0 : Math.floorMod(signalRotation++, all.length);
        for (int i = 0; i < all.length; i++) {
            all[(start + i) % all.length].signal();
        }
    }

    // racy increments only skew the rotation, which is harmless
    private int signalRotation;

    /** Wall-clock millis that never go back, so ids stay ordered when the clock is stepped. */
    private long clockMillis() {
        return Math.max(wallClock.getAsLong(), lastMillis);
    }

    private EntryId nextId(long nowMillis) {
        if (nowMillis > lastMillis) {
            lastMillis = nowMillis;
            lastSeq = 0;
        } else {
            lastSeq++;
        }
        return new EntryId(lastMillis, lastSeq);
    }

    private void push(StoredMessage entry) {
        // trimming by length before the write keeps the ring within max-length even for a
        // batch larger than it, so a topic's memory never overshoots its retention
        if (tail - head >= maxLength) {
            dropHead();
        }
        if (tail - head == ring.length) {
            if (ring.length == MAX_CAPACITY) {
                dropHead();
            } else {
                resize(ring.length << 1);
            }
        }
        ring[(int) (tail & (ring.length - 1))] = entry;
        tail++;
    }

    // Exact trimming on every append costs O(1) amortised: each entry is dropped once.
    private void trim(long nowMillis) {
        if (maxAgeMillis > 0) {
            long cutoff = nowMillis - maxAgeMillis;
            int mask = ring.length - 1;
            while (head < tail && ring[(int) (head & mask)].position().entryId().millis() < cutoff) {
                dropHead();
            }
        }
    }

    private void dropHead() {
        int at = (int) (head & (ring.length - 1));
        lastTrimmed = ring[at].position().entryId();
        ring[at] = null;
        head++;
    }

    private void resize(int capacity) {
        StoredMessage[] next = new StoredMessage[capacity];
        int oldMask = ring.length - 1;
        int newMask = capacity - 1;
        for (long o = head; o < tail; o++) {
            next[(int) (o & newMask)] = ring[(int) (o & oldMask)];
        }
        ring = next;
    }
}
