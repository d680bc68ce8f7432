package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.DispatchPolicy;
import io.tidegate.intelligence.scheduling.KeyOrderedLanes;
import io.tidegate.intelligence.scheduling.LaneSnapshot;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.intelligence.scheduling.TrafficClass;

/**
 * Discrete-event simulation of one drain thread in front of a single backend: arrivals go into
 * {@link KeyOrderedLanes}, and whenever the backend is free the policy picks a class and its
 * batch is dispatched back to back (non-preemptive), each message taking its service time times
 * the workload's slowdown at that moment. Virtual time only, so a run is fast and, for the same
 * arrivals and policy, exactly repeatable. One run per instance; single-threaded.
 */
public final class Simulator {

    /** Sees every decision before it is taken, with the weighted misses that have become certain so far (for training). */
    @FunctionalInterface
    public interface DecisionObserver {
        void beforeDecision(long now, LaneSnapshot lanes, double certainMissWeight);
    }

    private static final double EWMA_ALPHA = 0.05;

    private final Workload workload;
    private final SchedulingConfig config;
    private final Arrivals a;
    private final SimResult result;
    private final KeyOrderedLanes<Integer> lanes = new KeyOrderedLanes<>();
    private final LaneSnapshot snapshot = new LaneSnapshot();
    private final int[][] byClass;
    private final int[] missCursor = new int[TrafficClass.COUNT];
    private final boolean[] finished;
    private double certainMissWeight;
    private DispatchPolicy policy;
    private long now;
    private long decisionTime;
    private double latencyEwma;
    private int volatileWaiting;
    private int dispatched;

    private Simulator(Workload workload, SchedulingConfig config, Arrivals arrivals) {
        this.workload = workload;
        this.config = config;
        this.a = arrivals;
        this.result = new SimResult(arrivals, config);
        this.finished = new boolean[arrivals.size];
        int[] counts = arrivals.countPerClass();
        byClass = new int[TrafficClass.COUNT][];
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            byClass[c] = new int[counts[c]];
        }
        int[] fill = new int[TrafficClass.COUNT];
        for (int i = 0; i < arrivals.size; i++) {
            byClass[arrivals.classIndex[i]][fill[arrivals.classIndex[i]]++] = i;
        }
        latencyEwma = workload.service().mean(256);
    }

    /** Runs the policy (the caller wraps it in the safety rails) over the arrivals until every message is dispatched. */
    public static SimResult run(Workload workload, SchedulingConfig config, Arrivals arrivals, DispatchPolicy policy) {
        return run(workload, config, arrivals, policy, null);
    }

    /** As {@link #run(Workload, SchedulingConfig, Arrivals, DispatchPolicy)}, telling an observer about each decision. */
    public static SimResult run(Workload workload, SchedulingConfig config, Arrivals arrivals, DispatchPolicy policy,
                                DecisionObserver observer) {
        Simulator s = new Simulator(workload, config, arrivals);
        s.policy = policy;
        s.loop(observer);
        return s.result;
    }

    private void loop(DecisionObserver observer) {
        int next = 0;
        while (next < a.size || lanes.size() > 0) {
            if (lanes.size() == 0 && a.time[next] > now) {
                now = a.time[next];
            }
            while (next < a.size && a.time[next] <= now) {
                lanes.add(next, a.key[next], a.classIndex[next], a.time[next]);
                if (a.volatileInstrument[next]) {
                    volatileWaiting++;
                }
                policy.arrived(a.classIndex[next], a.time[next]);
                next++;
            }
            lanes.fill(snapshot);
            snapshot.at(now, (long) latencyEwma, volatileWaiting > 0 ? LaneSnapshot.VOLATILE : 0);
            if (observer != null) {
                observer.beforeDecision(now, snapshot, certainMisses(now));
            }
            int c = policy.choose(snapshot);
            if (c == DispatchPolicy.NONE || snapshot.isEmpty(c)) {
                throw new IllegalStateException(policy.name() + " chose lane " + c + " with messages waiting");
            }
            decisionTime = now;
            lanes.drain(c, policy.batchLimit(c), this::dispatch);
        }
    }

    private void dispatch(Integer boxed, int classIndex, boolean promoted) {
        int i = boxed;
        long service = Math.max(1, Math.round(a.service[i] * workload.serviceFactor(now)));
        result.start[i] = now;
        result.decidedAt[i] = decisionTime;
        result.promoted[i] = promoted;
        now += service;
        result.done[i] = now;
        result.order[dispatched++] = i;
        finished[i] = true;
        if (a.volatileInstrument[i]) {
            volatileWaiting--;
        }
        latencyEwma += EWMA_ALPHA * (service - latencyEwma);
        policy.completed(classIndex, result.met(i), service, now);
    }

    /** Weighted misses already certain at time t: messages past their deadline that were not done in time. */
    private double certainMisses(long t) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            long deadline = config.of(c).deadlineNanos();
            int[] idx = byClass[c];
            while (missCursor[c] < idx.length && a.time[idx[missCursor[c]]] + deadline < t) {
                int i = idx[missCursor[c]++];
                if (!finished[i] || !result.met(i)) {
                    certainMissWeight += config.of(c).weight();
                }
            }
        }
        return certainMissWeight;
    }
}
