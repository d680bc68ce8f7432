package io.tidegate.intelligence.scheduling.sim;

import java.util.random.RandomGenerator;

/**
 * The backend's service time for one message: a distribution (fixed, exponential or lognormal
 * given its median and p99) plus a cost per KiB of payload. Immutable; any thread.
 *
 * @param distribution fixed, exponential or lognormal
 * @param medianNanos median service time (fixed: the value; exponential: median, so mean = median / ln 2)
 * @param p99Nanos 99th percentile (lognormal only)
 * @param perKibNanos added per KiB of payload
 */
public record ServiceModel(String distribution, long medianNanos, long p99Nanos, long perKibNanos) {

    private static final double Z99 = 2.3263478740408408;

    /** One service time for a payload of the given size. */
    public long sample(RandomGenerator rng, int payloadBytes) {
        double base = switch (distribution) {
            case "fixed" -> medianNanos;
            case "exponential" -> -Math.log(1 - rng.nextDouble()) * medianNanos / Math.log(2);
            default -> medianNanos * Math.exp(rng.nextGaussian() * Math.log((double) p99Nanos / medianNanos) / Z99);
        };
        return Math.max(1, Math.round(base + perKibNanos * (payloadBytes / 1024.0)));
    }

    /** Mean service time for a payload of the given size. */
    public double mean(int payloadBytes) {
        double base = switch (distribution) {
            case "fixed" -> medianNanos;
            case "exponential" -> medianNanos / Math.log(2);
            default -> {
                double sigma = Math.log((double) p99Nanos / medianNanos) / Z99;
                yield medianNanos * Math.exp(sigma * sigma / 2);
            }
        };
        return base + perKibNanos * (payloadBytes / 1024.0);
    }
}
