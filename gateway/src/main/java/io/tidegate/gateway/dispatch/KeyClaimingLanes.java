package io.tidegate.gateway.dispatch;

import io.tidegate.gateway.priority.PriorityLanes;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link PriorityLanes} shared by several dispatch workers. A worker's batch claims the ordering
 * keys it holds until its append is answered; a message whose key another batch has claimed is
 * set aside (parked, in key order) instead of being taken, and its key becomes takeable again,
 * at the level of its oldest parked message, once the claim is released. So messages of one key
 * are never appended concurrently, while other keys keep flowing highest priority first.
 *
 * <p>Every message is parked at most once, so taking stays O(1) per message even when one hot
 * key dominates. Not thread-safe: the owner guards it.
 */
final class KeyClaimingLanes {

    /** A publish and when it was offered ({@link System#nanoTime}). */
    record Queued(PendingPublish publish, long offeredNanos) {
        String key() {
            return publish.envelope().orderingKey();
        }
    }

    private record Parked(Queued queued, int level) {
    }

    private final PriorityLanes<Queued> lanes = new PriorityLanes<>(Queued::key);
    private final Map<String, ArrayDeque<Parked>> parked = new HashMap<>();
    /** Unclaimed keys with parked messages, by the level of their oldest parked message. */
    private final ArrayDeque<String>[] ready;
    private final int[] parkedDepths = new int[PriorityLanes.LEVELS];
    private final Set<String> claimed = new HashSet<>();
    private int parkedSize;
    private long slowestLaneWait;

    @SuppressWarnings("unchecked")
    KeyClaimingLanes() {
        ready = new ArrayDeque[PriorityLanes.LEVELS];
        for (int i = 0; i < ready.length; i++) {
            ready[i] = new ArrayDeque<>();
        }
    }

    void add(Queued q) {
        lanes.add(q, q.publish().level());
    }

    /**
     * Moves up to {@code max} takeable messages into {@code batch}, highest priority first, and
     * claims their keys into {@code batchKeys}.
     *
     * @param now     {@link System#nanoTime} of this take
     * @param onTaken told the level each taken message waited at
     */
    void take(int max, List<Queued> batch, Set<String> batchKeys, long now, TakeListener onTaken) {
        while (batch.size() < max) {
            int readyLevel = firstReadyLevel();
            int laneLevel = lanes.headLevel();
            if (readyLevel == PriorityLanes.LEVELS && laneLevel == PriorityLanes.LEVELS) {
                return;
            }
            if (readyLevel <= laneLevel) {
                takeParked(ready[readyLevel].pollFirst(), max, batch, batchKeys, onTaken);
            } else {
                Queued q = lanes.poll();
                slowestLaneWait = Math.max(slowestLaneWait, now - q.offeredNanos());
                String key = q.key();
                if (parked.containsKey(key) || (claimed.contains(key) && !batchKeys.contains(key))) {
                    park(key, q, laneLevel);
                } else {
                    claim(key, batchKeys);
                    batch.add(q);
                    onTaken.taken(q, laneLevel);
                }
            }
        }
    }

    private void takeParked(String key, int max, List<Queued> batch, Set<String> batchKeys, TakeListener onTaken) {
        claim(key, batchKeys);
        ArrayDeque<Parked> queue = parked.get(key);
        while (batch.size() < max && !queue.isEmpty()) {
            Parked p = queue.pollFirst();
            parkedDepths[p.level]--;
            parkedSize--;
            batch.add(p.queued);
            onTaken.taken(p.queued, p.level);
        }
        if (queue.isEmpty()) {
            parked.remove(key);
        }
    }

    private void park(String key, Queued q, int level) {
        parked.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(new Parked(q, level));
        parkedDepths[level]++;
        parkedSize++;
    }

    private void claim(String key, Set<String> batchKeys) {
        if (batchKeys.add(key)) {
            claimed.add(key);
        }
    }

    /**
     * Ends a batch's claims; its keys' parked messages become takeable.
     *
     * @return whether any did
     */
    boolean release(Set<String> batchKeys) {
        boolean readied = false;
        for (String key : batchKeys) {
            claimed.remove(key);
            ArrayDeque<Parked> queue = parked.get(key);
            if (queue != null) {
                ready[queue.peekFirst().level].addLast(key);
                readied = true;
            }
        }
        return readied;
    }

    /**
     * The longest a message waited in the lanes before a worker took or parked it, since the last
     * call; a wait for a worker, unlike a parked message's wait for its key.
     */
    long takeSlowestLaneWait() {
        long slowest = slowestLaneWait;
        slowestLaneWait = 0;
        return slowest;
    }

    /** Moves every waiting message, parked ones included, into {@code into}. */
    void removeAll(List<Queued> into) {
        Queued q;
        while ((q = lanes.poll()) != null) {
            into.add(q);
        }
        for (ArrayDeque<Parked> queue : parked.values()) {
            for (Parked p : queue) {
                into.add(p.queued);
            }
        }
        parked.clear();
        for (ArrayDeque<String> keys : ready) {
            keys.clear();
        }
        Arrays.fill(parkedDepths, 0);
        parkedSize = 0;
    }

    private int firstReadyLevel() {
        for (int i = 0; i < ready.length; i++) {
            if (!ready[i].isEmpty()) {
                return i;
            }
        }
        return PriorityLanes.LEVELS;
    }

    /** Messages waiting, parked ones included. */
    int size() {
        return lanes.size() + parkedSize;
    }

    /** Whether a free worker would find something to take or to park. */
    boolean hasTakeable() {
        return lanes.size() > 0 || firstReadyLevel() < PriorityLanes.LEVELS;
    }

    /**
     * Messages waiting that are not parked: the ones a free worker could take or would park.
     * Parked ones wait for their key, not for a worker, so they do not call for more workers.
     */
    int unparkedSize() {
        return lanes.size();
    }

    /** Messages waiting per level, CRITICAL first, parked ones included. */
    int[] depths() {
        int[] depths = lanes.depths();
        for (int i = 0; i < depths.length; i++) {
            depths[i] += parkedDepths[i];
        }
        return depths;
    }

    /**
     * When the first message in one level's lane was offered, or -1 when that lane is empty.
     * Parked messages are left out: they wait for their key, not for a worker.
     */
    long headOfferedNanos(int level) {
        Queued q = lanes.peek(level);
        return q == null ? -1 : q.offeredNanos();
    }

    /** Receives each message as a batch takes it. */
    interface TakeListener {
        void taken(Queued q, int level);
    }
}
