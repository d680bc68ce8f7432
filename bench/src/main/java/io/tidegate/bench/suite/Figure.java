package io.tidegate.bench.suite;

import java.util.Arrays;
import java.util.List;

/**
 * One figure of a suite result: its name, unit, which direction is better, and the value of each
 * repeated run. Immutable.
 *
 * @param higherIsBetter true for rates (msg/s), false for latencies
 */
public record Figure(String name, String unit, boolean higherIsBetter, List<Double> runs) {

    public Figure {
        runs = List.copyOf(runs);
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("figure " + name + " has no runs");
        }
    }

    /** The median of the runs (the mean of the middle two for an even count). */
    public double median() {
        double[] v = values();
        Arrays.sort(v);
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    double[] values() {
        return runs.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
