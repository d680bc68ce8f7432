package io.tidegate.bench.suite;

import java.util.Locale;

/**
 * How one figure moved from a baseline to a new result: the two medians, the change in per cent
 * of the baseline's, the rank test's two-sided p-value and the verdict. Immutable.
 */
public record FigureChange(String name, String unit, double baselineMedian, double newMedian, double changePercent,
                           double pValue, Verdict verdict) {

    /** One row of the printed table. */
    public String row() {
        return String.format(Locale.ROOT, "%-34s %-9s %14.1f %14.1f %+8.1f%% %8s  %s", name, unit, baselineMedian,
                newMedian, changePercent, Double.isNaN(pValue) ? "-" : String.format(Locale.ROOT, "%.3f", pValue),
                verdict.label());
    }

    public static String header() {
        return String.format(Locale.ROOT, "%-34s %-9s %14s %14s %9s %8s  %s",
                "figure", "unit", "baseline", "new", "change", "p", "verdict");
    }
}
