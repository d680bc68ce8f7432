package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.DispatchPolicy;
import io.tidegate.intelligence.scheduling.KeyOrderedLanes;
import io.tidegate.intelligence.scheduling.LaneSnapshot;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.intelligence.scheduling.TrafficClass;

/**
 * Discrete-event simulation of one drain thread in front of a single backend: arrivals go into
 * {@link KeyOrderedLanes}, and whenever the backend is free the policy picks a class and its
 * batch is dispatched back to back (non-preemptive), each message taking its service time times
 * the workload's slowdown at that moment. Virtual time only, so a run is fast and, for the same
 * arrivals and policy, exactly repeatable. From any decision a run can be forked into a
 * {@link #rollout}: the same future arrivals under another first choice (common random numbers),
 * which is how the learned table is trained. One run per instance; single-threaded.
 */
public final class Simulator {

    /** Sees every decision before it is taken (for training). */
    @FunctionalInterface
    public interface DecisionObserver {
        void beforeDecision(Simulator sim, LaneSnapshot lanes);
    }

    private static final double EWMA_ALPHA = 0.05;

    private final Workload workload;
    private final SchedulingConfig config;
    private final Arrivals a;
    private final SimResult result;
    private final KeyOrderedLanes<Integer> lanes;
    private final LaneSnapshot snapshot = new LaneSnapshot();
    private final KeyOrderedLanes.Sink<Integer> sink = this::dispatch;
    private DispatchPolicy policy;
    private long now;
    private int next;
    private long decisionTime;
    private double latencyEwma;
    private int volatileWaiting;
    private int dispatched;
    private final double[] rolloutMisses = new double[TrafficClass.COUNT];

    private Simulator(Workload workload, SchedulingConfig config, Arrivals arrivals) {
        this.workload = workload;
        this.config = config;
        this.a = arrivals;
        this.result = new SimResult(arrivals, config);
        this.lanes = new KeyOrderedLanes<>(config);
        latencyEwma = workload.service().mean(256);
    }

    private Simulator(Simulator from) {
        this.workload = from.workload;
        this.config = from.config;
        this.a = from.a;
        this.result = null;
        this.lanes = from.lanes.copy();
        this.now = from.now;
        this.next = from.next;
        this.latencyEwma = from.latencyEwma;
        this.volatileWaiting = from.volatileWaiting;
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
        s.loop(observer, DispatchPolicy.NONE, Long.MAX_VALUE);
        return s.result;
    }

    /**
     * From the current decision, takes {@code firstAction} (a {@link QTable} action: a class,
     * oldest or on-time first) for one message and then follows {@code continuation} for
     * {@code horizonNanos} of virtual time, on a copy; returns the weighted misses of messages
     * dispatched in that time plus those still waiting that strict draining at the current backend
     * latency could no longer get out in time (so effects beyond the horizon still count).
     * Rollouts of different actions from one decision see the same arrivals and service times.
     * The result is per class, so a trainer can leave out classes the rails decide.
     */
    public double[] rollout(int firstAction, DispatchPolicy continuation, long horizonNanos) {
        Simulator fork = new Simulator(this);
        fork.policy = continuation;
        fork.loop(null, firstAction, now + horizonNanos);
        // project with the latency at the fork, the same for every action: the EWMA at the end
        // differs by action and would swing the projection of hundreds of queued messages
        fork.addProjectedMisses(latencyEwma);
        return fork.rolloutMisses;
    }

    private void addProjectedMisses(double latency) {
        long[] ahead = {0};
        lanes.forEachWaiting((i, c, enqueued) -> {
            ahead[0]++;
            if (now + ahead[0] * latency - enqueued > config.of(c).deadlineNanos()) {
                rolloutMisses[c] += config.of(c).weight();
            }
        });
    }

    private void loop(DecisionObserver observer, int forcedFirst, long end) {
        int forced = forcedFirst;
        while ((next < a.size || lanes.size() > 0) && now < end) {
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
            snapshot.at(now, (long) latencyEwma, volatileWaiting > 0 ? LaneSnapshot.VOLATILE : 0);
            lanes.fill(snapshot);
            if (observer != null) {
                observer.beforeDecision(this, snapshot);
            }
            int c;
            int limit;
            boolean onTimeFirst;
            if (forced != DispatchPolicy.NONE) {
                c = QTable.classOf(forced);
                onTimeFirst = QTable.onTimeFirst(forced);
                limit = 1;
                forced = DispatchPolicy.NONE;
            } else {
                c = policy.choose(snapshot);
                limit = c == DispatchPolicy.NONE ? 0 : policy.batchLimit(c);
                onTimeFirst = policy.onTimeFirst();
            }
            if (c == DispatchPolicy.NONE || snapshot.isEmpty(c)) {
                throw new IllegalStateException(policy.name() + " chose lane " + c + " with messages waiting");
            }
            decisionTime = now;
            lanes.drain(c, limit, onTimeFirst, now, (long) latencyEwma, sink);
        }
    }

    private void dispatch(Integer boxed, int classIndex, boolean promoted) {
        int i = boxed;
        long service = Math.max(1, Math.round(a.service[i] * workload.serviceFactor(now)));
        long start = now;
        now += service;
        boolean met = now - a.time[i] <= config.of(classIndex).deadlineNanos();
        if (result != null) {
            result.start[i] = start;
            result.done[i] = now;
            result.decidedAt[i] = decisionTime;
            result.promoted[i] = promoted;
            result.order[dispatched++] = i;
        } else if (!met) {
            rolloutMisses[classIndex] += config.of(classIndex).weight();
        }
        if (a.volatileInstrument[i]) {
            volatileWaiting--;
        }
        latencyEwma += EWMA_ALPHA * (service - latencyEwma);
        policy.completed(classIndex, met, service, now);
    }
}
