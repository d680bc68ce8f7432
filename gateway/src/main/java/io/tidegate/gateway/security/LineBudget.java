package io.tidegate.gateway.security;

/**
 * A token bucket of audit lines for one kind of refusal, so a flood of refused calls cannot flood
 * the log: the next line written says how many were suppressed before it. Thread-safe.
 */
final class LineBudget {
    private final int burst;
    private final double linesPerSecond;
    private double tokens;
    private long lastNanos;
    private long suppressed;

    LineBudget(long nowNanos, int burst, double linesPerSecond) {
        this.burst = burst;
        this.linesPerSecond = linesPerSecond;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** The lines suppressed before this one when it may be written, else -1 (and it is counted). */
    synchronized long take(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - lastNanos) / 1e9 * linesPerSecond);
        lastNanos = nowNanos;
        if (tokens < 1) {
            suppressed++;
            return -1;
        }
        tokens -= 1;
        long before = suppressed;
        suppressed = 0;
        return before;
    }
}
