package io.tidegate.gateway.tuning;

import io.tidegate.gateway.dispatch.DispatchStats;
import io.tidegate.proto.v1.Priority;
import java.util.function.LongSupplier;

/**
 * Messages taken off the ingress queues per second over the interval, scaled down while CRITICAL
 * or HIGH messages waited longer than their deadline: by deadline / mean queueing delay of the
 * class that missed worst. The dispatcher keeps sums of queueing delays, not a histogram, so the
 * penalty reads the interval's mean delay of those classes, not their p99.
 *
 * <p>Threading: not thread-safe; the controller's thread calls {@link #measure}.
 */
public final class DispatchRateObjective implements Objective {

    private static final Priority[] ALL = {Priority.PRIORITY_CRITICAL, Priority.PRIORITY_HIGH,
            Priority.PRIORITY_NORMAL, Priority.PRIORITY_LOW, Priority.PRIORITY_BULK};
    private static final Priority[] URGENT = {Priority.PRIORITY_CRITICAL, Priority.PRIORITY_HIGH};

    private final DispatchStats stats;
    private final long[] deadlineNanos;
    private final LongSupplier nanoTime;
    private final long[] lastCount = new long[URGENT.length];
    private final long[] lastDelay = new long[URGENT.length];
    private long lastTotal;
    private long lastNanos;

    /**
     * @param criticalDeadlineNanos the CRITICAL class's deadline ({@code dispatch.classes.critical.deadline})
     * @param highDeadlineNanos     the HIGH class's
     */
    public DispatchRateObjective(DispatchStats stats, long criticalDeadlineNanos, long highDeadlineNanos,
                                 LongSupplier nanoTime) {
        this.stats = stats;
        this.deadlineNanos = new long[] {criticalDeadlineNanos, highDeadlineNanos};
        this.nanoTime = nanoTime;
        this.lastNanos = nanoTime.getAsLong();
        this.lastTotal = total();
        for (int i = 0; i < URGENT.length; i++) {
            lastCount[i] = stats.dispatched(URGENT[i]);
            lastDelay[i] = stats.queueingDelayNanosTotal(URGENT[i]);
        }
    }

    @Override
    public double measure() {
        long now = nanoTime.getAsLong();
        long total = total();
        double seconds = Math.max(1e-9, (now - lastNanos) / 1e9);
        double score = (total - lastTotal) / seconds;
        lastNanos = now;
        lastTotal = total;
        double penalty = 1;
        for (int i = 0; i < URGENT.length; i++) {
            long count = stats.dispatched(URGENT[i]);
            long delay = stats.queueingDelayNanosTotal(URGENT[i]);
            long n = count - lastCount[i];
            if (n > 0) {
                double mean = (double) (delay - lastDelay[i]) / n;
                if (mean > deadlineNanos[i]) {
                    penalty = Math.min(penalty, deadlineNanos[i] / mean);
                }
            }
            lastCount[i] = count;
            lastDelay[i] = delay;
        }
        return score * penalty;
    }

    private long total() {
        long sum = 0;
        for (Priority p : ALL) {
            sum += stats.dispatched(p);
        }
        return sum;
    }
}
