package io.tidegate.gateway.tuning;

import io.tidegate.gateway.dispatch.DispatchStats;
import io.tidegate.proto.v1.Priority;
import java.util.function.LongSupplier;

/**
 * Messages per second over the interval at each stage: taken off the ingress queues (ingress) and
 * written to subscriber streams (delivery), both scaled down while CRITICAL or HIGH messages
 * waited longer than their deadline: by deadline / mean queueing delay of the class that missed
 * worst. The dispatcher keeps sums of queueing delays, not a histogram, so the penalty reads the
 * interval's mean delay of those classes, not their p99.
 *
 * <p>Threading: not thread-safe; the controller's thread calls {@link #measure}.
 */
public final class ThroughputObjective implements Objective {

    private static final Priority[] ALL = {Priority.PRIORITY_CRITICAL, Priority.PRIORITY_HIGH,
            Priority.PRIORITY_NORMAL, Priority.PRIORITY_LOW, Priority.PRIORITY_BULK};
    private static final Priority[] URGENT = {Priority.PRIORITY_CRITICAL, Priority.PRIORITY_HIGH};

    private final DispatchStats stats;
    private final LongSupplier delivered;
    private final long[] deadlineNanos;
    private final LongSupplier nanoTime;
    private final long[] lastCount = new long[URGENT.length];
    private final long[] lastDelay = new long[URGENT.length];
    private long lastDispatched;
    private long lastDelivered;
    private long lastNanos;

    /**
     * @param delivered             messages written to subscriber streams since start
     * @param criticalDeadlineNanos the CRITICAL class's deadline ({@code dispatch.classes.critical.deadline})
     * @param highDeadlineNanos     the HIGH class's
     */
    public ThroughputObjective(DispatchStats stats, LongSupplier delivered, long criticalDeadlineNanos,
                               long highDeadlineNanos, LongSupplier nanoTime) {
        this.stats = stats;
        this.delivered = delivered;
        this.deadlineNanos = new long[] {criticalDeadlineNanos, highDeadlineNanos};
        this.nanoTime = nanoTime;
        this.lastNanos = nanoTime.getAsLong();
        this.lastDispatched = dispatched();
        this.lastDelivered = delivered.getAsLong();
        for (int i = 0; i < URGENT.length; i++) {
            lastCount[i] = stats.dispatched(URGENT[i]);
            lastDelay[i] = stats.queueingDelayNanosTotal(URGENT[i]);
        }
    }

    @Override
    public Reading measure() {
        long now = nanoTime.getAsLong();
        long dispatched = dispatched();
        long out = delivered.getAsLong();
        double seconds = Math.max(1e-9, (now - lastNanos) / 1e9);
        double penalty = deadlinePenalty();
        Reading reading = new Reading((dispatched - lastDispatched) / seconds * penalty,
                (out - lastDelivered) / seconds * penalty);
        lastNanos = now;
        lastDispatched = dispatched;
        lastDelivered = out;
        return reading;
    }

    /** 1, or deadline / mean queueing delay of the urgent class that missed worst this interval. */
    private double deadlinePenalty() {
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
        return penalty;
    }

    private long dispatched() {
        long sum = 0;
        for (Priority p : ALL) {
            sum += stats.dispatched(p);
        }
        return sum;
    }
}
