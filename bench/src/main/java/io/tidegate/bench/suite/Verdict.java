package io.tidegate.bench.suite;

/** What {@link RegressionTest} decided for one figure. */
public enum Verdict {
    /** Worse than the baseline, significantly and by more than the smallest change that counts. */
    REGRESSION,
    /** Better than the baseline, with the same evidence a regression needs. */
    IMPROVEMENT,
    /** Within noise, or moved by less than the smallest change that counts. */
    NO_CHANGE,
    /** A side has fewer runs than the rank test needs to ever reach the significance level. */
    TOO_FEW_RUNS;

    /** "regression", "no change", ... for the printed table. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
}
