package io.tidegate.intelligence.scheduling;

import java.util.Locale;

/**
 * Why the learned policy fell back: its rolling weighted reward against what strict priority
 * earned on the same arrivals. Immutable.
 *
 * @param atNanos when, in the lanes' time base
 * @param learnedReward weighted deadlines met by the learned policy over the rolling window
 * @param strictReward weighted deadlines met by the strict shadow over the same window
 * @param windowNanos length of the rolling window
 */
public record FallbackEvent(long atNanos, double learnedReward, double strictReward, long windowNanos) {

    /** The log line. */
    public String message() {
        return String.format(Locale.ROOT,
                "dispatch.policy learned fell back to strict: rolling reward %.1f < strict shadow %.1f over the last %d ms",
                learnedReward, strictReward, windowNanos / 1_000_000);
    }
}
