package io.tidegate.intelligence.scheduling;

/**
 * Per-class scheduling settings: the deadline a message should be dispatched within, its weight
 * in the reward (a met deadline earns the weight), the maximum wait after which the safety rails
 * force the class to be served, and how many messages one decision may drain. Immutable; any thread.
 *
 * @param deadlineNanos time from enqueue to dispatch done that counts as met
 * @param weight reward for one met deadline
 * @param maxWaitNanos oldest wait at which the class is served whatever the policy says
 * @param batch most messages of the class drained by one decision
 */
public record ClassSettings(long deadlineNanos, double weight, long maxWaitNanos, int batch) {

    public ClassSettings {
        if (deadlineNanos <= 0 || maxWaitNanos < deadlineNanos) {
            throw new IllegalArgumentException("deadline must be > 0 and max-wait >= deadline, got deadline "
                    + deadlineNanos + " ns, max-wait " + maxWaitNanos + " ns");
        }
        if (!(weight >= 0) || batch < 1) {
            throw new IllegalArgumentException("weight must be >= 0 and batch >= 1, got " + weight + ", " + batch);
        }
    }
}
