package io.tidegate.intelligence.balancing;

/**
 * Tuning of the predictive balancer. Immutable; any thread.
 *
 * @param ewmaAlpha weight of a new service-time sample in the moving average (0, 1]
 * @param decayHalfLifeNanos the old estimate's weight halves per this much time between samples,
 *        so the first sample after a long gap (a member that was avoided, then probed) counts
 *        almost fully
 * @param staleAfterNanos a member idle with no sample for this long is due for a probe
 * @param probeEvery one decision in this many may go to a stale member instead of the best one
 * @param initialServiceNanos service estimate of a member that joined and has no sample yet
 * @param admissionFactor on several replicas a member may read while its predicted completion is
 *        at most this many of the best local service estimate, plus the wait of the oldest unread
 *        message
 * @param penalty how outstanding messages enter the prediction
 */
public record BalancerSettings(double ewmaAlpha, long decayHalfLifeNanos, long staleAfterNanos, int probeEvery,
                               long initialServiceNanos, double admissionFactor, QueuePenalty penalty) {

    /** Defaults for services taking about a millisecond: alpha 0.2, half-life 100 ms, stale after 250 ms, 1 in 16 decisions may probe. */
    public static BalancerSettings defaults() {
        return new BalancerSettings(0.2, 100_000_000L, 250_000_000L, 16, 1_000_000L, 3.0, QueuePenalty.LINEAR);
    }

    public BalancerSettings {
        if (!(ewmaAlpha > 0 && ewmaAlpha <= 1)) {
            throw new IllegalArgumentException("ewmaAlpha must be in (0, 1], got " + ewmaAlpha);
        }
        if (decayHalfLifeNanos <= 0 || staleAfterNanos <= 0 || probeEvery <= 0 || initialServiceNanos <= 0) {
            throw new IllegalArgumentException("half-life, stale-after, probe-every and initial service must be positive");
        }
        if (!(admissionFactor >= 1)) {
            throw new IllegalArgumentException("admissionFactor must be at least 1, got " + admissionFactor);
        }
    }

    /** These settings with another queue penalty. */
    public BalancerSettings withPenalty(QueuePenalty p) {
        return new BalancerSettings(ewmaAlpha, decayHalfLifeNanos, staleAfterNanos, probeEvery, initialServiceNanos,
                admissionFactor, p);
    }
}
