package io.tidegate.intelligence.balancing;

/**
 * How a member's outstanding messages enter its predicted completion. {@code LINEAR}: estimated
 * service time × (outstanding + 1), the time to finish what it holds plus the new message.
 * {@code CUBIC}: service time × (outstanding + 1)³, C3's penalty, which keeps queues shorter at
 * the price of using slow members more. Immutable; any thread.
 */
public enum QueuePenalty {
    LINEAR,
    CUBIC;

    /** The penalised completion for a service estimate and an outstanding count. */
    public double apply(double serviceNanos, int outstanding) {
        double q = outstanding + 1.0;
        return this == LINEAR ? serviceNanos * q : serviceNanos * q * q * q;
    }
}
