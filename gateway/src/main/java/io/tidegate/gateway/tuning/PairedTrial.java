package io.tidegate.gateway.tuning;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * The evidence of one step on trial: paired measurements of the setting before the step (A) and
 * after it (B), taken in adjacent blocks, and a sequential one-sided paired t-test over their
 * relative differences (B - A) / A. Pairing adjacent blocks cancels what the load does by itself
 * meanwhile (a drift, a slow minute), which a before/after comparison takes for the step's effect.
 *
 * <p>After each pair, with at least {@link #LEAST_PAIRS} pairs: the step is kept once the mean gain
 * is above zero at {@code significance}; it is reverted once the gain is below {@code minGain} at
 * that significance (any gain is too small to be worth a move), or after {@code maxPairs} pairs
 * without either. Testing after every pair spends more than {@code significance} on false keeps
 * over a whole trial; a bounded trial and the revert on no evidence keep that rare.
 *
 * <p>Threading: confined to the controller's thread.
 */
final class PairedTrial {

    /** Fewest pairs before a verdict: the test needs a spread, and two pairs make a poor one. */
    static final int LEAST_PAIRS = 3;

    enum Verdict { KEEP, REVERT, CONTINUE }

    private final double significance;
    private final double minGain;
    private final int maxPairs;
    private int pairs;
    private double sum;
    private double sumOfSquares;

    PairedTrial(double significance, double minGain, int maxPairs) {
        this.significance = significance;
        this.minGain = minGain;
        this.maxPairs = maxPairs;
    }

    /** Records one pair: the objective at the setting before the step and after it. */
    void add(double before, double after) {
        double gain = (after - before) / before;
        pairs++;
        sum += gain;
        sumOfSquares += gain * gain;
    }

    int pairs() {
        return pairs;
    }

    /** The mean relative gain of the step so far. */
    double meanGain() {
        return pairs == 0 ? 0 : sum / pairs;
    }

    Verdict verdict() {
        if (pairs < LEAST_PAIRS) {
            return Verdict.CONTINUE;
        }
        double mean = meanGain();
        double variance = Math.max(0, (sumOfSquares - pairs * mean * mean) / (pairs - 1));
        double margin = new TDistribution(pairs - 1).inverseCumulativeProbability(1 - significance)
                * Math.sqrt(variance / pairs);
        if (mean - margin > 0) {
            return Verdict.KEEP;
        }
        if (mean + margin < minGain || pairs >= maxPairs) {
            return Verdict.REVERT;
        }
        return Verdict.CONTINUE;
    }
}
