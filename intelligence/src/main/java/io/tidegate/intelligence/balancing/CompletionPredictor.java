package io.tidegate.intelligence.balancing;

/**
 * Predicts when one group member would finish a message handed to it now: an estimate of its
 * service time times its outstanding messages plus one (see {@link QueuePenalty}).
 *
 * <p>A service-time sample is taken at each ack as the time since the member last became busy
 * with this message: since its delivery if the member was idle, otherwise since the previous ack.
 * For a member that works through its messages one at a time this is exactly its service time;
 * for one that works on several at once it is the time between completions, which is what
 * predicting "outstanding + 1 completions from now" needs. The samples go into a moving average
 * whose old weight also decays with the time since the last sample, so a member that was avoided
 * for a while is judged mostly by its next sample (recovery is seen at once). While a message is
 * out longer than the estimate, the estimate used is that age: a member that stalls looks slow
 * before its first slow ack arrives.
 *
 * <p>All of a member's deliveries and acks pass through the gateway replica it is connected to,
 * so one replica's predictor of a member is complete without shared state. O(1), no allocation.
 * Not thread-safe: owned by the thread that delivers to the group.
 */
public final class CompletionPredictor {

    private static final double LN2 = Math.log(2);

    private final BalancerSettings settings;
    private double serviceNanos;
    private int outstanding;
    private long busySince;
    private long lastSampleAt;
    private long samples;

    /** A predictor with no samples, as of {@code nowNanos}. */
    public CompletionPredictor(BalancerSettings settings, long nowNanos) {
        this.settings = settings;
        reset(nowNanos);
    }

    /** Forgets everything: the member (re)joined at {@code nowNanos}. */
    public void reset(long nowNanos) {
        serviceNanos = settings.initialServiceNanos();
        outstanding = 0;
        busySince = nowNanos;
        lastSampleAt = nowNanos;
        samples = 0;
    }

    /** A message went out to the member. */
    public void delivered(long nowNanos) {
        if (outstanding++ == 0) {
            busySince = nowNanos;
        }
    }

    /** The member acked a message: one service-time sample. */
    public void acked(long nowNanos) {
        if (outstanding == 0) {
            throw new IllegalStateException("ack without an outstanding delivery");
        }
        double sample = Math.max(0, nowNanos - busySince);
        long gap = Math.max(0, nowNanos - lastSampleAt);
        double keep = (1 - settings.ewmaAlpha()) * Math.exp(-LN2 * gap / settings.decayHalfLifeNanos());
        serviceNanos = samples == 0 ? sample : keep * serviceNanos + (1 - keep) * sample;
        samples++;
        lastSampleAt = nowNanos;
        outstanding--;
        busySince = nowNanos;
    }

    /** A message came back without being done (nack, deadline passed, member left): no sample. */
    public void released(long nowNanos) {
        if (outstanding == 0) {
            throw new IllegalStateException("release without an outstanding delivery");
        }
        outstanding--;
        busySince = nowNanos;
    }

    /** The service estimate, raised to the age of the message in work when that is longer. */
    public double serviceEstimateNanos(long nowNanos) {
        return outstanding > 0 ? Math.max(serviceNanos, nowNanos - busySince) : serviceNanos;
    }

    /** The smoothed service time from acks alone. */
    public double smoothedServiceNanos() {
        return serviceNanos;
    }

    /** Predicted time from now until a message handed over now would be done. */
    public double predictedCompletionNanos(long nowNanos) {
        return settings.penalty().apply(serviceEstimateNanos(nowNanos), outstanding);
    }

    /** Idle and without a sample for longer than the stale limit: worth a probe. */
    public boolean stale(long nowNanos) {
        return outstanding == 0 && nowNanos - lastSampleAt > settings.staleAfterNanos();
    }

    public int outstanding() {
        return outstanding;
    }

    /** When the last sample was taken (or the member joined). */
    public long lastSampleAt() {
        return lastSampleAt;
    }

    public long samples() {
        return samples;
    }
}
