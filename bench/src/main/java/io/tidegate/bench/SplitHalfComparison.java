package io.tidegate.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Compares a tuned setting with the best fixed one without the winner's curse: the best fixed
 * setting is chosen on one half of the rounds (odd rounds) and tuned is compared with it on the
 * other half (even rounds), then the other way round. Picking the highest of several noisy
 * medians and comparing on the same runs places the best above its true rate; choosing on runs
 * the comparison does not use does not.
 *
 * <p>Threading: immutable results of a pure function.
 *
 * @param selectedOn  which rounds chose the setting ("odd" or "even", counting from 1)
 * @param chosen      the fixed setting with the highest median on those rounds
 * @param tunedRate   tuned's median on the other rounds
 * @param chosenRate  the chosen setting's median on the other rounds
 */
record SplitHalfComparison(String selectedOn, String chosen, double tunedRate, double chosenRate) {

    /** Tuned / chosen on the rounds that did not choose. */
    double ratio() {
        return tunedRate / chosenRate;
    }

    /**
     * Both halves: choose on odd rounds and compare on even ones, then the reverse.
     *
     * @param fixed rate per round of each fixed setting, in round order (iteration order breaks ties)
     * @param tuned tuned's rate per round
     */
    static List<SplitHalfComparison> of(Map<String, double[]> fixed, double[] tuned) {
        if (tuned.length < 2) {
            throw new IllegalArgumentException("split halves need at least 2 rounds, got " + tuned.length);
        }
        List<SplitHalfComparison> out = new ArrayList<>();
        for (int parity = 0; parity < 2; parity++) {
            String chosen = null;
            double chosenOnSelection = 0;
            for (Map.Entry<String, double[]> e : fixed.entrySet()) {
                double m = median(rounds(e.getValue(), parity));
                if (chosen == null || m > chosenOnSelection) {
                    chosen = e.getKey();
                    chosenOnSelection = m;
                }
            }
            out.add(new SplitHalfComparison(parity == 0 ? "odd" : "even", chosen,
                    median(rounds(tuned, 1 - parity)), median(rounds(fixed.get(chosen), 1 - parity))));
        }
        return out;
    }

    /** The values of rounds 1, 3, 5, ... (parity 0) or 2, 4, 6, ... (parity 1). */
    static double[] rounds(double[] values, int parity) {
        double[] out = new double[(values.length + 1 - parity) / 2];
        for (int i = parity, j = 0; i < values.length; i += 2, j++) {
            out[j] = values[i];
        }
        return out;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
