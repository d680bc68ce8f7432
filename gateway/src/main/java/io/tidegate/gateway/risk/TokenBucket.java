package io.tidegate.gateway.risk;

/**
 * The order-rate limit of one strategy and instrument: {@code rate} tokens a second, holding at
 * most one second's worth (at least one), full at first use. Not thread-safe: its
 * {@link StrategyBook} calls it under its lock.
 */
final class TokenBucket {

    private double tokens = Double.NaN;
    private long lastNanos;

    /** Takes a token when there is one; a rate of 0 (no limit) always gives one. */
    boolean tryTake(double rate, long nowNanos) {
        if (rate <= 0) {
            return true;
        }
        double burst = Math.max(1, rate);
        if (Double.isNaN(tokens)) {
            tokens = burst;
        } else {
            tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * rate / 1e9);
        }
        lastNanos = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
