package io.tidegate.bench.suite;

import org.apache.commons.math3.stat.inference.MannWhitneyUTest;

/**
 * Decides whether a figure moved between a baseline and a new result, on a machine whose noise is
 * unknown: a Mann-Whitney U rank test over the repeated runs (no assumption about the shape of the
 * noise; one wild run weighs no more than any other) at {@code alpha}, and a median change of at least
 * {@code minChangePercent}, so that a real but negligible shift is not reported. With three runs a side
 * only a complete separation of the two sets reaches p &lt; 0.05: a regression needs every new run worse
 * than every baseline run. Immutable and thread-safe.
 *
 * @param alpha            the significance level of the two-sided test, e.g. 0.05
 * @param minChangePercent the smallest change of the median, in per cent, reported as a change
 */
public record RegressionTest(double alpha, double minChangePercent) {

    /** The fewest runs a side needs: below three the test's p-value cannot reach 0.05. */
    public static final int MIN_RUNS = 3;

    public RegressionTest {
        if (!(alpha > 0 && alpha < 1) || !(minChangePercent >= 0)) {
            throw new IllegalArgumentException("alpha must be in (0, 1) and minChangePercent >= 0");
        }
    }

    /** Compares {@code current} with {@code baseline}, the same figure of two results. */
    public FigureChange compare(Figure baseline, Figure current) {
        double base = baseline.median();
        double now = current.median();
        double change = base == 0 ? 0 : (now - base) / Math.abs(base) * 100;
        if (baseline.runs().size() < MIN_RUNS || current.runs().size() < MIN_RUNS) {
            return new FigureChange(current.name(), current.unit(), base, now, change, Double.NaN, Verdict.TOO_FEW_RUNS);
        }
        double p = new MannWhitneyUTest().mannWhitneyUTest(baseline.values(), current.values());
        Verdict verdict = Verdict.NO_CHANGE;
        if (p < alpha && Math.abs(change) >= minChangePercent) {
            boolean better = baseline.higherIsBetter() ? change > 0 : change < 0;
            verdict = better ? Verdict.IMPROVEMENT : Verdict.REGRESSION;
        }
        return new FigureChange(current.name(), current.unit(), base, now, change, p, verdict);
    }
}
