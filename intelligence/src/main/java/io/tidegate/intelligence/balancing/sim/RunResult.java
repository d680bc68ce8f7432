package io.tidegate.intelligence.balancing.sim;

import java.util.Arrays;

/**
 * What one simulated run measured: publish→ack latency of every message (sorted), how many
 * messages each member served, and how many strict-key-order rules were broken (must be 0).
 * Immutable; any thread.
 */
public final class RunResult {

    private final long[] sortedLatencies;
    private final long[] servedPerMember;
    private final long orderViolations;

    RunResult(long[] latencies, long[] servedPerMember, long orderViolations) {
        this.sortedLatencies = latencies.clone();
        Arrays.sort(this.sortedLatencies);
        this.servedPerMember = servedPerMember.clone();
        this.orderViolations = orderViolations;
    }

    /** The latency at quantile q (0..1), nearest rank, in nanoseconds. */
    public long percentileNanos(double q) {
        int rank = (int) Math.ceil(q * sortedLatencies.length);
        return sortedLatencies[Math.max(0, Math.min(sortedLatencies.length - 1, rank - 1))];
    }

    public int messages() {
        return sortedLatencies.length;
    }

    /** Messages the member served (acked). */
    public long served(int member) {
        return servedPerMember[member];
    }

    /** The share of all messages the member served. */
    public double share(int member) {
        return (double) servedPerMember[member] / sortedLatencies.length;
    }

    public long orderViolations() {
        return orderViolations;
    }
}
