package io.tidegate.intelligence.balancing;

/**
 * The {@code predictive} balancer: a new message goes to the member with credit whose
 * {@link CompletionPredictor} says it would finish it first (ties: fewer outstanding, then the
 * lower slot), in the spirit of C3 and Prequal. One decision in {@link BalancerSettings#probeEvery()}
 * may instead go to the stalest idle member whose estimate is older than
 * {@link BalancerSettings#staleAfterNanos()}, so a member that was avoided and has recovered is
 * found again (a probe costs one message at that member's speed, and only while it is idle).
 *
 * <p>On several gateway replicas each replica has one instance for its own members and cannot
 * pick a member on another replica; there the decision is whether a member may read at all:
 * {@link #admits} (see docs/balancing.md for the approximation).
 *
 * <p>O(members) per decision, no allocation. Not thread-safe: see {@link GroupBalancer}.
 */
public final class PredictiveBalancer implements GroupBalancer {

    private final BalancerSettings settings;
    private final boolean[] present;
    private final int[] credit;
    private final CompletionPredictor[] predictors;
    private long decisions;

    /** A group of at most {@code maxMembers} members; the predictors are made here, once. */
    public PredictiveBalancer(int maxMembers, BalancerSettings settings) {
        this.settings = settings;
        present = new boolean[maxMembers];
        credit = new int[maxMembers];
        predictors = new CompletionPredictor[maxMembers];
        for (int m = 0; m < maxMembers; m++) {
            predictors[m] = new CompletionPredictor(settings, 0);
        }
    }

    @Override
    public void join(int member, long nowNanos) {
        present[member] = true;
        credit[member] = 0;
        predictors[member].reset(nowNanos);
    }

    @Override
    public void leave(int member) {
        present[member] = false;
        credit[member] = 0;
    }

    @Override
    public void grant(int member, int credits, long nowNanos) {
        credit[member] = (int) Math.min(Integer.MAX_VALUE, (long) credit[member] + credits);
    }

    @Override
    public int pick(long nowNanos, int keyHolder) {
        if (keyHolder != NONE) {
            return present[keyHolder] && credit[keyHolder] > 0 ? keyHolder : NONE;
        }
        if (++decisions % settings.probeEvery() == 0) {
            int probe = stalestIdle(nowNanos);
            if (probe != NONE) {
                return probe;
            }
        }
        int best = NONE;
        double bestCompletion = Double.MAX_VALUE;
        for (int m = 0; m < present.length; m++) {
            if (!present[m] || credit[m] <= 0) {
                continue;
            }
            double c = predictors[m].predictedCompletionNanos(nowNanos);
            if (best == NONE || c < bestCompletion
                    || (c == bestCompletion && predictors[m].outstanding() < predictors[best].outstanding())) {
                best = m;
                bestCompletion = c;
            }
        }
        return best;
    }

    /**
     * Whether the member may have a read waiting now, on a replica that sees only its own members:
     * it has credit and either is due for a probe or its predicted completion is at most
     * {@link BalancerSettings#admissionFactor()} times the best service estimate among this
     * replica's members plus {@code oldestUnreadWaitNanos}, how long the oldest message nobody
     * has read yet has waited. The longer a message waits, the slower a member may take it.
     *
     * <p>A member that stalls (holds messages without acking) sees its prediction grow with the
     * age of what it holds, faster than any wait; so that a message is always taken even when
     * every member here stalls, the member with the lowest prediction here is also admitted once
     * the oldest unread message has waited {@code admissionFactor} × the best service estimate.
     */
    public boolean admits(int member, long nowNanos, long oldestUnreadWaitNanos) {
        if (!present[member] || credit[member] <= 0) {
            return false;
        }
        CompletionPredictor p = predictors[member];
        if (p.stale(nowNanos)) {
            return true;
        }
        if (p.predictedCompletionNanos(nowNanos) <= admissionBoundNanos(oldestUnreadWaitNanos)) {
            return true;
        }
        return oldestUnreadWaitNanos >= admissionBoundNanos(0) && lowestPredictionHere(member, nowNanos);
    }

    /** No present member with credit is predicted to finish sooner than {@code member}. */
    private boolean lowestPredictionHere(int member, long nowNanos) {
        double mine = predictors[member].predictedCompletionNanos(nowNanos);
        for (int m = 0; m < present.length; m++) {
            if (m != member && present[m] && credit[m] > 0 && predictors[m].predictedCompletionNanos(nowNanos) < mine) {
                return false;
            }
        }
        return true;
    }

    /**
     * How many messages the member may read now, at most {@code max}: 0 when {@link #admits} says
     * no, 1 for a probe, else as many as keep its predicted completion (with them outstanding)
     * within the admission bound, at least 1. A backend whose reads come in batches sizes them
     * with this, so a fast member does not take a whole credit window that a slower one would
     * have been better for. O(members + max), no allocation.
     */
    public int admissible(int member, long nowNanos, long oldestUnreadWaitNanos, int max) {
        if (max <= 0 || !admits(member, nowNanos, oldestUnreadWaitNanos)) {
            return 0;
        }
        CompletionPredictor p = predictors[member];
        if (p.stale(nowNanos)) {
            return 1;
        }
        double bound = admissionBoundNanos(oldestUnreadWaitNanos);
        double estimate = p.serviceEstimateNanos(nowNanos);
        int n = 1;
        while (n < max && n < credit[member]
                && settings.penalty().apply(estimate, p.outstanding() + n) <= bound) {
            n++;
        }
        return n;
    }

    /**
     * How long until {@link #admits} would say yes if nothing else changed: the oldest unread
     * message's wait grows with time, and an idle member becomes due for a probe. 0 when it
     * admits now; {@code Long.MAX_VALUE} when the member has no credit or is not present.
     */
    public long nanosUntilAdmitted(int member, long nowNanos, long oldestUnreadWaitNanos) {
        if (!present[member] || credit[member] <= 0) {
            return Long.MAX_VALUE;
        }
        CompletionPredictor p = predictors[member];
        if (p.stale(nowNanos)) {
            return 0;
        }
        double gap = p.predictedCompletionNanos(nowNanos) - admissionBoundNanos(oldestUnreadWaitNanos);
        if (lowestPredictionHere(member, nowNanos)) {
            gap = Math.min(gap, admissionBoundNanos(0) - oldestUnreadWaitNanos);
        }
        long untilAdmitted = oldestUnreadWaitNanos < 0 ? Long.MAX_VALUE : (long) Math.max(0, Math.ceil(gap));
        long untilProbe = p.outstanding() > 0 ? Long.MAX_VALUE
                : Math.max(0, p.lastSampleAt() + settings.staleAfterNanos() + 1 - nowNanos);
        return Math.min(untilAdmitted, untilProbe);
    }

    /**
     * The admission bound: {@link BalancerSettings#admissionFactor()} times the best smoothed
     * service estimate among present members, plus the oldest unread message's wait (none when
     * negative: nothing unread).
     */
    public double admissionBoundNanos(long oldestUnreadWaitNanos) {
        return settings.admissionFactor() * bestLocalServiceNanos() + Math.max(0, oldestUnreadWaitNanos);
    }

    private double bestLocalServiceNanos() {
        double best = Double.MAX_VALUE;
        for (int m = 0; m < present.length; m++) {
            if (present[m]) {
                best = Math.min(best, predictors[m].smoothedServiceNanos());
            }
        }
        return best;
    }

    private int stalestIdle(long nowNanos) {
        int stalest = NONE;
        for (int m = 0; m < present.length; m++) {
            if (present[m] && credit[m] > 0 && predictors[m].stale(nowNanos)
                    && (stalest == NONE || predictors[m].lastSampleAt() < predictors[stalest].lastSampleAt())) {
                stalest = m;
            }
        }
        return stalest;
    }

    @Override
    public void delivered(int member, long nowNanos) {
        credit[member]--;
        predictors[member].delivered(nowNanos);
    }

    @Override
    public void acked(int member, long nowNanos) {
        predictors[member].acked(nowNanos);
    }

    @Override
    public void released(int member, long nowNanos) {
        predictors[member].released(nowNanos);
    }

    /** The member's predictor (read-only use; for metrics and tests). */
    public CompletionPredictor predictor(int member) {
        return predictors[member];
    }

    @Override
    public BalancerKind kind() {
        return BalancerKind.PREDICTIVE;
    }
}
