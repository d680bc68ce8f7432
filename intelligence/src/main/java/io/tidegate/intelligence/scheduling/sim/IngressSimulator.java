package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.DispatchPolicy;
import io.tidegate.intelligence.scheduling.KeyOrderedLanes;
import io.tidegate.intelligence.scheduling.LaneSnapshot;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.intelligence.scheduling.TrafficClass;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Discrete-event simulation of the gateway's ingress lanes as they run: a pool of dispatch
 * workers, each of which, when free and something waits, takes a batch of up to
 * {@code maxBatch} messages in the order the policy picks (one decision per message, or per
 * class batch) and appends it; the backend serves appends one at a time in the order issued, an
 * append taking a fixed overhead plus its messages' service times (times the workload's slowdown),
 * and answers every message of it at its end. So decisions are taken when a worker takes its
 * batch, while earlier batches still wait for the backend, and a message taken into a batch
 * cannot be reordered behind one that arrives later. A drained message whose ordering key an
 * append in flight holds is set aside until that append is answered and then taken before the
 * lanes' own choice when its level is at least as high, as {@code KeyClaimingLanes} does; a
 * message is queued no higher than the lowest class holding a waiting message of its key. The
 * policy is told every message as it is taken or set aside and gets the mark back at the
 * message's completion (the host protocol of {@link DispatchPolicy#taken}). Virtual time; one run
 * per instance; single-threaded.
 */
public final class IngressSimulator {

    /**
     * The worker pool modelled.
     *
     * @param workers             dispatch workers, each with at most one append in flight
     * @param maxBatch            most messages one append takes
     * @param appendOverheadNanos what one append costs the backend besides its messages
     */
    public record Pool(int workers, int maxBatch, long appendOverheadNanos) {
        public Pool {
            if (workers < 1 || maxBatch < 1 || appendOverheadNanos < 0) {
                throw new IllegalArgumentException("workers and max batch must be at least 1, overhead not negative");
            }
        }

        @Override
        public String toString() {
            return workers + " workers, batches of up to " + maxBatch + ", " + appendOverheadNanos / 1000 + " µs per append";
        }
    }

    private static final double LATENCY_EWMA_WEIGHT = 0.2;

    private final Workload workload;
    private final SchedulingConfig config;
    private final Pool pool;
    private final Arrivals a;
    private final SimResult result;
    private final DispatchPolicy policy;
    private final KeyOrderedLanes<Integer> lanes;
    private final LaneSnapshot snapshot = new LaneSnapshot();
    private final KeyOrderedLanes.Sink<Integer> toBatch = this::accept;
    /** The level each message waits at (its class, or lower while an earlier one of its key waits lower). */
    private final int[] level;
    private final long[] mark;
    private final Map<Integer, ArrayDeque<Integer>> parked = new HashMap<>();
    @SuppressWarnings("unchecked")
    private final ArrayDeque<Integer>[] ready = new ArrayDeque[TrafficClass.COUNT];
    private final Set<Integer> claimed = new HashSet<>();
    private final ArrayDeque<Append> inFlight = new ArrayDeque<>();
    private int parkedSize;
    private int volatileWaiting;
    private long latencyEwma;
    private long backendFree;
    private long now;
    private int next;
    private int dispatched;
    private Append batch;

    private static final class Append {
        final int[] messages;
        final Set<Integer> keys = new HashSet<>();
        int size;
        long issued;
        long end;

        Append(int capacity) {
            messages = new int[capacity];
        }
    }

    private IngressSimulator(Workload workload, SchedulingConfig config, Pool pool, Arrivals arrivals, DispatchPolicy policy) {
        this.workload = workload;
        this.config = config;
        this.pool = pool;
        this.a = arrivals;
        this.policy = policy;
        this.result = new SimResult(arrivals, config);
        this.lanes = new KeyOrderedLanes<>(config);
        this.level = new int[arrivals.size];
        this.mark = new long[arrivals.size];
        Arrays.fill(mark, DispatchPolicy.NO_MARK);
        for (int c = 0; c < ready.length; c++) {
            ready[c] = new ArrayDeque<>();
        }
        latencyEwma = Math.round(workload.service().mean(256));
    }

    /** Runs the policy (the caller wraps it in the safety rails) over the arrivals until every message is answered. */
    public static SimResult run(Workload workload, SchedulingConfig config, Pool pool, Arrivals arrivals, DispatchPolicy policy) {
        IngressSimulator s = new IngressSimulator(workload, config, pool, arrivals, policy);
        s.loop();
        return s.result;
    }

    private void loop() {
        int free = pool.workers();
        while (next < a.size || lanes.size() > 0 || parkedSize > 0 || !inFlight.isEmpty()) {
            if (free > 0 && hasTakeable()) {
                Append taken = takeBatch();
                if (taken.size > 0) { // empty when every key it drained is held by an append in flight
                    issue(taken);
                    free--;
                }
                continue;
            }
            long arrival = next < a.size ? a.time[next] : Long.MAX_VALUE;
            long answer = inFlight.isEmpty() ? Long.MAX_VALUE : inFlight.peekFirst().end;
            if (arrival <= answer) {
                now = arrival;
                while (next < a.size && a.time[next] <= now) {
                    arrive(next++);
                }
            } else {
                now = answer;
                answer(inFlight.pollFirst());
                free++;
            }
        }
    }

    private void arrive(int i) {
        int at = Math.max(a.classIndex[i], lanes.lowestClassOf(a.key[i]));
        level[i] = at;
        lanes.add(i, a.key[i], at, a.time[i]);
        if (a.volatileInstrument[i]) {
            volatileWaiting++;
        }
        policy.arrived(at, a.time[i]);
    }

    /** One worker's take, decision by decision, as {@code KeyClaimingLanes.take} does it. */
    private Append takeBatch() {
        batch = new Append(pool.maxBatch());
        while (batch.size < pool.maxBatch()) {
            int readyLevel = firstReadyLevel();
            int choice = DispatchPolicy.NONE;
            if (lanes.size() > 0) {
                lanes.fill(snapshot.at(now, latencyEwma, volatileWaiting > 0 ? LaneSnapshot.VOLATILE : 0));
                choice = policy.choose(snapshot);
            }
            if (readyLevel == TrafficClass.COUNT && choice == DispatchPolicy.NONE) {
                break;
            }
            if (choice == DispatchPolicy.NONE || readyLevel <= choice) {
                takeParked(ready[readyLevel].pollFirst());
            } else {
                int limit = Math.max(1, Math.min(policy.batchLimit(choice), pool.maxBatch() - batch.size));
                lanes.drain(choice, limit, policy.onTimeFirst(), now, latencyEwma, toBatch);
            }
        }
        Append taken = batch;
        batch = null;
        return taken;
    }

    private void accept(Integer boxed, int classIndex, boolean promoted) {
        int i = boxed;
        result.decidedAt[i] = now;
        result.promoted[i] = promoted;
        if (a.volatileInstrument[i]) {
            volatileWaiting--;
        }
        int key = a.key[i];
        if (parked.containsKey(key) || (claimed.contains(key) && !batch.keys.contains(key)) || batch.size >= pool.maxBatch()) {
            mark[i] = policy.setAside(level[i]);
            park(key, i);
        } else {
            claim(key);
            addToBatch(i);
        }
    }

    private void takeParked(int key) {
        claim(key);
        ArrayDeque<Integer> queue = parked.get(key);
        while (batch.size < pool.maxBatch() && !queue.isEmpty()) {
            parkedSize--;
            addToBatch(queue.pollFirst());
        }
        if (queue.isEmpty()) {
            parked.remove(key);
        }
    }

    private void addToBatch(int i) {
        if (mark[i] == DispatchPolicy.NO_MARK) {
            mark[i] = policy.taken(level[i], now);
        }
        batch.messages[batch.size++] = i;
    }

    private void park(int key, int i) {
        ArrayDeque<Integer> queue = parked.get(key);
        if (queue == null) {
            queue = new ArrayDeque<>();
            parked.put(key, queue);
            if (!claimed.contains(key)) {
                ready[level[i]].addLast(key); // parked only because the batch was full: takeable at once
            }
        }
        queue.addLast(i);
        parkedSize++;
    }

    private void claim(int key) {
        if (batch.keys.add(key)) {
            claimed.add(key);
        }
    }

    /** The backend serves appends one at a time, in the order issued. */
    private void issue(Append append) {
        long start = Math.max(now, backendFree);
        double factor = workload.serviceFactor(start);
        long work = pool.appendOverheadNanos();
        for (int j = 0; j < append.size; j++) {
            work += Math.round(a.service[append.messages[j]] * factor);
        }
        append.issued = now;
        append.end = start + Math.max(1, work);
        backendFree = append.end;
        for (int j = 0; j < append.size; j++) {
            result.start[append.messages[j]] = start;
        }
        inFlight.addLast(append);
    }

    private void answer(Append append) {
        long duration = append.end - append.issued;
        latencyEwma = (long) (latencyEwma + LATENCY_EWMA_WEIGHT * (duration - latencyEwma));
        long share = duration / Math.max(1, append.size);
        for (int j = 0; j < append.size; j++) {
            int i = append.messages[j];
            result.done[i] = append.end;
            result.order[dispatched++] = i;
            boolean met = append.end - a.time[i] <= config.of(level[i]).deadlineNanos();
            policy.completed(level[i], met, share, append.end, mark[i]);
        }
        for (int key : append.keys) {
            claimed.remove(key);
            ArrayDeque<Integer> queue = parked.get(key);
            if (queue != null) {
                ready[level[queue.peekFirst()]].addLast(key);
            }
        }
    }

    private boolean hasTakeable() {
        return lanes.size() > 0 || firstReadyLevel() < TrafficClass.COUNT;
    }

    private int firstReadyLevel() {
        for (int c = 0; c < ready.length; c++) {
            if (!ready[c].isEmpty()) {
                return c;
            }
        }
        return TrafficClass.COUNT;
    }
}
