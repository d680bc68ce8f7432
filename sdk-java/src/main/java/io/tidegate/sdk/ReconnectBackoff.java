package io.tidegate.sdk;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long the client waits between connection attempts: the first retry after a working
 * connection dropped is immediate (to the next endpoint), later ones wait {@code initial},
 * doubling up to {@code max}, each spread by ±{@code jitter} (a fraction, 0..1) so that many
 * clients do not reconnect in lock step. Immutable.
 */
public record ReconnectBackoff(Duration initial, Duration max, double jitter) {

    /** 100 ms doubling to 5 s, ±20 %. */
    public static final ReconnectBackoff DEFAULT =
            new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(5), 0.2);

    public ReconnectBackoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("reconnect backoff initial must be > 0, was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("reconnect backoff max (" + max + ") must be >= initial (" + initial + ")");
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("reconnect backoff jitter must be in 0..1, was " + jitter);
        }
    }

    /**
     * The wait before attempt number {@code failures + 1}, where {@code failures} attempts in a
     * row have failed since the last working connection (0: none, retry at once).
     */
    public Duration delayAfter(int failures) {
        if (failures <= 0) {
            return Duration.ZERO;
        }
        double base = initial.toNanos() * Math.pow(2, Math.min(failures - 1, 30));
        base = Math.min(base, max.toNanos());
        double spread = jitter == 0 ? 0 : ThreadLocalRandom.current().nextDouble(-jitter, jitter);
        return Duration.ofNanos((long) Math.max(0, base * (1 + spread)));
    }
}
