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
        credit[member] += credits;
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
     * has read yet has waited. The longer a message waits, the slower a member may take it, so a
     * waiting message is always taken eventually.
     */
    public boolean admits(int member, long nowNanos, long oldestUnreadWaitNanos) {
        if (!present[member] || credit[member] <= 0) {
            return false;
        }
        CompletionPredictor p = predictors[member];
        if (p.stale(nowNanos)) {
            return true;
        }
        double bound = settings.admissionFactor() * bestLocalServiceNanos() + oldestUnreadWaitNanos;
        return p.predictedCompletionNanos(nowNanos) <= bound;
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
