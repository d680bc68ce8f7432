package io.tidegate.gateway.tuning;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * The evidence of one step on trial: rounds of four adjacent blocks, A B B A, where A runs the
 * setting's value before the step and B after it, and a sequential one-sided t-test over the
 * rounds' log gains ln((B1 + B2) / (A1 + A2)). A round cancels what the load does by itself
 * meanwhile as far as it is linear over the round (a ramp-up, a drift), which a before/after
 * comparison, or a single pair of blocks, takes for the step's effect; the log makes a doubling
 * and a halving weigh alike, so one wild block does not carry the mean.
 *
 * <p>After each round, with at least {@link #LEAST_ROUNDS} rounds: the step is kept once the mean
 * log gain is above zero at {@code significance}; it is reverted once the gain is below
 * {@code minGain} at that significance (any gain is too small to be worth a move), or after
 * {@code maxRounds} rounds without either. Testing after every round spends more than
 * {@code significance} on false keeps over a whole trial; a bounded trial and the revert on no
 * evidence keep that rare.
 *
 * <p>Threading: confined to the controller's thread.
 */
final class RoundTrial {

    /** Fewest rounds before a verdict: the test needs a spread, and two rounds make a poor one. */
    static final int LEAST_ROUNDS = 3;

    enum Verdict { KEEP, REVERT, CONTINUE }

    private final double significance;
    private final double leastLogGain;
    private final int maxRounds;
    private int rounds;
    private double sum;
    private double sumOfSquares;

    RoundTrial(double significance, double minGain, int maxRounds) {
        this.significance = significance;
        this.leastLogGain = Math.log1p(minGain);
        this.maxRounds = maxRounds;
    }

    /** Records one round: the objective summed over its two blocks before the step and its two after. */
    void add(double before, double after) {
        double gain = Math.log(after / before);
        rounds++;
        sum += gain;
        sumOfSquares += gain * gain;
    }

    int rounds() {
        return rounds;
    }

    /** The step's gain so far, a fraction: the geometric mean of the rounds' after / before, less 1. */
    double meanGain() {
        return rounds == 0 ? 0 : Math.expm1(sum / rounds);
    }

    Verdict verdict() {
        if (rounds < LEAST_ROUNDS) {
            return Verdict.CONTINUE;
        }
        double mean = sum / rounds;
        double variance = Math.max(0, (sumOfSquares - rounds * mean * mean) / (rounds - 1));
        double margin = new TDistribution(rounds - 1).inverseCumulativeProbability(1 - significance)
                * Math.sqrt(variance / rounds);
        if (mean - margin > 0) {
            return Verdict.KEEP;
        }
        if (mean + margin < leastLogGain || rounds >= maxRounds) {
            return Verdict.REVERT;
        }
        return Verdict.CONTINUE;
    }
}
