package io.tidegate.gateway.dispatch;

import io.tidegate.gateway.priority.LanePolicies;
import io.tidegate.gateway.priority.PriorityLevels;
import io.tidegate.intelligence.scheduling.DispatchPolicy;
import io.tidegate.intelligence.scheduling.KeyOrderedLanes;
import io.tidegate.intelligence.scheduling.LaneSnapshot;
import io.tidegate.intelligence.scheduling.SafetyRails;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link KeyOrderedLanes} drained by the configured dispatch policy (inside its safety rails) and
 * shared by several dispatch workers. A worker's batch claims the ordering keys it holds until
 * its append is answered; a message whose key another batch has claimed is set aside (parked, in
 * key order) instead of being taken, and its key becomes takeable again, at the level of its
 * oldest parked message, once the claim is released. So messages of one key are never appended
 * concurrently and never reordered, while other keys keep flowing in the order the policy picks.
 *
 * <p>Every message is parked at most once, so taking stays O(1) per message even when one hot
 * key dominates. Not thread-safe: the owner guards it (the policy is owned the same way).
 */
final class KeyClaimingLanes {

    /**
     * A publish, when it was offered ({@link System#nanoTime}) and the level it waits at: its
     * priority's, or lower while an earlier message of its key waits lower; and the policy's mark
     * for it ({@link DispatchPolicy#taken}), set once it is taken or set aside for its key.
     */
    static final class Queued {
        private final PendingPublish publish;
        private final long offeredNanos;
        private final int level;
        private long mark = DispatchPolicy.NO_MARK;

        Queued(PendingPublish publish, long offeredNanos, int level) {
            this.publish = publish;
            this.offeredNanos = offeredNanos;
            this.level = level;
        }

        PendingPublish publish() {
            return publish;
        }

        long offeredNanos() {
            return offeredNanos;
        }

        int level() {
            return level;
        }

        String key() {
            return publish.envelope().orderingKey();
        }
    }

    private record Parked(Queued queued, int level) {
    }

    private static final double LATENCY_EWMA_WEIGHT = 0.2;

    private final KeyOrderedLanes<Queued> lanes;
    private final SafetyRails policy;
    private final LaneSnapshot snapshot = new LaneSnapshot();
    private final long[] deadline = new long[PriorityLevels.LEVELS];
    private final Map<String, ArrayDeque<Parked>> parked = new HashMap<>();
    /** Unclaimed keys with parked messages, by the level of their oldest parked message. */
    private final ArrayDeque<String>[] ready;
    private final int[] parkedDepths = new int[PriorityLevels.LEVELS];
    private final Set<String> claimed = new HashSet<>();
    private final KeyOrderedLanes.Sink<Queued> toBatch = this::accept;
    private int parkedSize;
    /** Messages in the lanes (not parked) whose instrument the rules found VOLATILE at ingress: the state's regime bit. */
    private int volatileWaiting;
    private long slowestLaneWait;
    private long latencyEwma;
    // the take in progress, read by toBatch
    private List<Queued> batch;
    private Set<String> batchKeys;
    private TakeListener onTaken;
    private int max;
    private long now;

    @SuppressWarnings("unchecked")
    KeyClaimingLanes(LanePolicies policies) {
        this.lanes = policies.newLanes();
        this.policy = policies.ingressPolicy();
        for (int c = 0; c < deadline.length; c++) {
            deadline[c] = policies.settings().of(c).deadlineNanos();
        }
        ready = new ArrayDeque[PriorityLevels.LEVELS];
        for (int i = 0; i < ready.length; i++) {
            ready[i] = new ArrayDeque<>();
        }
    }

    /**
     * Queues a publish no higher than the lowest level still holding a message of its key, so
     * under strict priority a message never overtakes an earlier one of its key and never drags
     * one along ahead of another key's higher-priority message; under the other policies the
     * lanes' ride-along keeps key order.
     */
    void add(PendingPublish publish, long now) {
        String key = publish.envelope().orderingKey();
        int level = Math.max(publish.level(), lanes.lowestClassOf(key));
        lanes.add(new Queued(publish, now, level), key, level, now);
        if (publish.envelope().volatileInstrument()) {
            volatileWaiting++;
        }
        policy.arrived(level, now);
    }

    /**
     * Moves up to {@code max} takeable messages into {@code batch}, in the order the policy picks
     * (parked keys of a level first), and claims their keys into {@code batchKeys}.
     *
     * @param classBatchFloor the least messages one decision takes from the class it picks, unless
     *                        the rails bound that decision because a CRITICAL message waits
     * @param now     {@link System#nanoTime} of this take
     * @param onTaken told the level each taken message waited at
     */
    void take(int max, int classBatchFloor, List<Queued> batch, Set<String> batchKeys, long now, TakeListener onTaken) {
        this.batch = batch;
        this.batchKeys = batchKeys;
        this.onTaken = onTaken;
        this.max = max;
        this.now = now;
        try {
            while (batch.size() < max) {
                int readyLevel = firstReadyLevel();
                int choice = DispatchPolicy.NONE;
                if (lanes.size() > 0) {
                    lanes.fill(snapshot.at(now, latencyEwma, regimeFlags()));
                    choice = policy.choose(snapshot);
                }
                if (readyLevel == PriorityLevels.LEVELS && choice == DispatchPolicy.NONE) {
                    return;
                }
                if (choice == DispatchPolicy.NONE || readyLevel <= choice) {
                    takeParked(ready[readyLevel].pollFirst());
                } else {
                    // the floor must not widen a batch the rails counted against the CRITICAL bypass bound
                    int wanted = policy.choiceBypassesCritical() ? policy.batchLimit(choice)
                            : Math.max(classBatchFloor, policy.batchLimit(choice));
                    int limit = Math.max(1, Math.min(wanted, max - batch.size()));
                    lanes.drain(choice, limit, policy.onTimeFirst(), now, latencyEwma, toBatch);
                }
            }
        } finally {
            this.batch = null;
            this.batchKeys = null;
            this.onTaken = null;
        }
    }

    /**
     * Takes a CRITICAL publish straight to a batch of its own, as if it had been queued and taken
     * at once, when that is what any policy inside the rails would do and key order allows it: no
     * CRITICAL message waits ahead of it (taken or parked), and no message of its key waits or is
     * claimed. Its key is claimed into {@code batchKeys} and the policy is told it arrived and was
     * taken, so {@link #release} ends it like any batch. Messages of other keys at lower levels
     * keep waiting for the workers: this batch does not take a worker from them.
     *
     * @return the message taken, or null when it must be queued with {@link #add}
     */
    Queued takeAlone(PendingPublish publish, long now, Set<String> batchKeys, TakeListener onTaken) {
        String key = publish.envelope().orderingKey();
        if (publish.level() != 0 || lanes.depth(0) > 0 || parkedDepths[0] > 0 || !ready[0].isEmpty()
                || claimed.contains(key) || parked.containsKey(key) || lanes.lowestClassOf(key) >= 0) {
            return null;
        }
        Queued q = new Queued(publish, now, 0);
        policy.arrived(0, now);
        q.mark = policy.taken(0, now);
        claim(key, batchKeys);
        onTaken.taken(q, 0);
        return q;
    }

    /** A message the policy drained (or that rode along ahead of a later one of its key). */
    private void accept(Queued q, int level, boolean promoted) {
        slowestLaneWait = Math.max(slowestLaneWait, now - q.offeredNanos());
        if (q.publish().envelope().volatileInstrument()) {
            volatileWaiting--;
        }
        String key = q.key();
        if (parked.containsKey(key) || (claimed.contains(key) && !batchKeys.contains(key)) || batch.size() >= max) {
            q.mark = policy.setAside(level);
            park(key, q, level);
        } else {
            claim(key, batchKeys);
            addToBatch(q, level);
        }
    }

    private void takeParked(String key) {
        claim(key, batchKeys);
        ArrayDeque<Parked> queue = parked.get(key);
        while (batch.size() < max && !queue.isEmpty()) {
            Parked p = queue.pollFirst();
            parkedDepths[p.level]--;
            parkedSize--;
            addToBatch(p.queued, p.level);
        }
        if (queue.isEmpty()) {
            parked.remove(key);
        }
    }

    /** Takes a message into the batch, telling the policy unless it already has the message's mark. */
    private void addToBatch(Queued q, int level) {
        if (q.mark == DispatchPolicy.NO_MARK) {
            q.mark = policy.taken(level, now);
        }
        batch.add(q);
        onTaken.taken(q, level);
    }

    private void park(String key, Queued q, int level) {
        ArrayDeque<Parked> queue = parked.get(key);
        if (queue == null) {
            queue = new ArrayDeque<>();
            parked.put(key, queue);
            if (!claimed.contains(key)) {
                ready[level].addLast(key); // parked only because the batch was full: takeable at once
            }
        }
        queue.addLast(new Parked(q, level));
        parkedDepths[level]++;
        parkedSize++;
    }

    private void claim(String key, Set<String> batchKeys) {
        if (batchKeys.add(key)) {
            claimed.add(key);
        }
    }

    /**
     * Ends a batch's claims; its keys' parked messages become takeable. Reports each message's
     * outcome to the policy and folds the append's duration into the backend latency the policy
     * and the lanes judge lateness by. A message counts as dispatched when its append is answered
     * (the backend answers the whole batch at once; judging it at the append's start plus its
     * share of the append would count as met a message the lanes, judging lateness by whole
     * appends, rightly count as late, and the watchdog would then judge the learned order on
     * another clock than the one it orders by), and is reported to the policy at that time with
     * the mark the policy gave it when it was taken or set aside: the learned policy's strict
     * shadow judges the message it took in that one's place at the same completion, so the
     * watchdog compares strict and learned on the same arrivals, the same batches (taken at the
     * same instants, answered in whatever order the backend answers them) and the same windows.
     *
     * @param started {@link System#nanoTime} when the append was issued
     * @return whether any parked message became takeable
     */
    boolean release(List<Queued> batch, Set<String> batchKeys, long started, long appendNanos) {
        latencyEwma = latencyEwma == 0 ? appendNanos
                : (long) (latencyEwma + LATENCY_EWMA_WEIGHT * (appendNanos - latencyEwma));
        // one append serves the whole batch: per message, its share of the service, all done at the answer
        long service = appendNanos / Math.max(1, batch.size());
        long done = started + appendNanos;
        for (Queued q : batch) {
            int level = q.level();
            policy.completed(level, done - q.offeredNanos() <= deadline[level], service, done, q.mark);
        }
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
        for (int c = 0; c < PriorityLevels.LEVELS; c++) {
            lanes.drain(c, Integer.MAX_VALUE, (q, level, promoted) -> into.add(q));
        }
        for (ArrayDeque<Parked> queue : parked.values()) {
            for (Parked p : queue) {
                into.add(p.queued);
            }
        }
        parked.clear();
        volatileWaiting = 0;
        for (ArrayDeque<String> keys : ready) {
            keys.clear();
        }
        Arrays.fill(parkedDepths, 0);
        parkedSize = 0;
    }

    private int regimeFlags() {
        return volatileWaiting > 0 ? LaneSnapshot.VOLATILE : 0;
    }

    /** Messages waiting in the lanes (not parked) for an instrument found VOLATILE at ingress. */
    int volatileWaiting() {
        return volatileWaiting;
    }

    private int firstReadyLevel() {
        for (int i = 0; i < ready.length; i++) {
            if (!ready[i].isEmpty()) {
                return i;
            }
        }
        return PriorityLevels.LEVELS;
    }

    /** Messages waiting, parked ones included. */
    int size() {
        return lanes.size() + parkedSize;
    }

    /** Whether a free worker would find something to take or to park. */
    boolean hasTakeable() {
        return lanes.size() > 0 || firstReadyLevel() < PriorityLevels.LEVELS;
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
        int[] depths = new int[PriorityLevels.LEVELS];
        for (int i = 0; i < depths.length; i++) {
            depths[i] = lanes.depth(i) + parkedDepths[i];
        }
        return depths;
    }

    /**
     * How long the first message in one level's lane has waited at {@code now}, or 0 when that
     * lane is empty. Parked messages are left out: they wait for their key, not for a worker.
     */
    long oldestWaitNanos(int level, long now) {
        if (lanes.depth(level) == 0) {
            return 0;
        }
        lanes.fill(snapshot.at(now, latencyEwma, 0));
        return Math.max(0, snapshot.oldestWait(level));
    }

    /** Whether the policy's learned table has been replaced by strict priority. */
    SafetyRails policy() {
        return policy;
    }

    /** Receives each message as a batch takes it. */
    interface TakeListener {
        void taken(Queued q, int level);
    }
}
