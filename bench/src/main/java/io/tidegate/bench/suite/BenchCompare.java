package io.tidegate.bench.suite;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code scripts/bench-suite.sh compare}: a new suite result against a stored baseline, one row per
 * figure (medians, change, p-value, verdict, see {@link RegressionTest}). Exits 1 when a figure
 * regressed, 0 otherwise.
 *
 * <pre>BenchCompare BASELINE.json RESULT.json [--alpha 0.05] [--min-change 5]</pre>
 */
public final class BenchCompare {

    private BenchCompare() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length % 2 != 0) {
            System.err.println("usage: BenchCompare BASELINE.json RESULT.json [--alpha 0.05] [--min-change 5]");
            System.exit(2);
        }
        double alpha = 0.05;
        double minChange = 5;
        for (int i = 2; i < args.length; i += 2) {
            switch (args[i]) {
                case "--alpha" -> alpha = Double.parseDouble(args[i + 1]);
                case "--min-change" -> minChange = Double.parseDouble(args[i + 1]);
                default -> {
                    System.err.println("unknown option " + args[i] + "; takes --alpha and --min-change");
                    System.exit(2);
                }
            }
        }
        List<FigureChange> changes = compare(SuiteResult.read(Path.of(args[0])), SuiteResult.read(Path.of(args[1])),
                new RegressionTest(alpha, minChange), System.out);
        System.exit(changes.stream().anyMatch(c -> c.verdict() == Verdict.REGRESSION) ? 1 : 0);
    }

    /** Prints the table of every figure both results have, and the figures only one has; returns the rows. */
    static List<FigureChange> compare(SuiteResult baseline, SuiteResult current, RegressionTest test, PrintStream out) {
        out.println("baseline: " + baseline.machine());
        out.println("new:      " + current.machine());
        out.printf(Locale.ROOT, "Mann-Whitney U over the runs, two-sided, alpha %.3g; a change counts from %.1f%%%n",
                test.alpha(), test.minChangePercent());
        out.println(FigureChange.header());
        List<FigureChange> changes = new ArrayList<>();
        for (Figure f : current.figures().values()) {
            Figure base = baseline.figures().get(f.name());
            if (base == null) {
                out.printf(Locale.ROOT, "%-34s %-9s %14s %14.1f  (not in the baseline)%n", f.name(), f.unit(), "-", f.median());
                continue;
            }
            FigureChange c = test.compare(base, f);
            changes.add(c);
            out.println(c.row());
        }
        baseline.figures().keySet().stream().filter(n -> !current.figures().containsKey(n))
                .forEach(n -> out.printf(Locale.ROOT, "%-34s (in the baseline only)%n", n));
        long regressions = changes.stream().filter(c -> c.verdict() == Verdict.REGRESSION).count();
        long improvements = changes.stream().filter(c -> c.verdict() == Verdict.IMPROVEMENT).count();
        out.printf(Locale.ROOT, "%d regression(s), %d improvement(s), %d figure(s) compared%n",
                regressions, improvements, changes.size());
        return changes;
    }
}
