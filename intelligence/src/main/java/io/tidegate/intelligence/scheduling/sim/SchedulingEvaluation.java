package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.TrafficClass;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints, for each workload and each policy, the weighted deadline misses (mean and spread over
 * the held-out seeds), misses per class and p50/p99 per class, then a verdict line; first with
 * one drain thread serving a message at a time ({@link Simulator}), then through the ingress
 * lanes of a worker pool ({@link IngressSimulator}, {@link #POOL} unless {@code --pool
 * WORKERS,MAX_BATCH,OVERHEAD_US} is given). Arguments: workload names (default: the shipped
 * ones); {@code --table PATH} evaluates another Q-table.
 * Single-threaded.
 */
public final class SchedulingEvaluation {

    /** The gateway's ingress as the evaluation and the trainer model it: 4 workers, batches of up to 64, 20 µs per append. */
    public static final IngressSimulator.Pool POOL = new IngressSimulator.Pool(4, 64, 20_000);

    private SchedulingEvaluation() {
    }

    public static void main(String[] args) throws IOException {
        List<String> names = new ArrayList<>();
        QTable table = null;
        IngressSimulator.Pool pool = POOL;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--pool")) {
                String[] p = args[++i].split(",");
                pool = new IngressSimulator.Pool(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Long.parseLong(p[2]) * 1000);
            } else if (args[i].equals("--table")) {
                try (InputStream in = Files.newInputStream(Path.of(args[++i]))) {
                    table = QTable.read(in);
                }
            } else {
                names.add(args[i]);
            }
        }
        if (table == null) {
            table = QTable.shipped();
        }
        if (names.isEmpty()) {
            names.addAll(RolloutTrainer.WORKLOADS);
        }
        System.out.println("seeds " + Evaluation.HELD_OUT_SEEDS + " (held out from training); latencies enqueue -> dispatched, ms");
        for (IngressSimulator.Pool host : java.util.Arrays.asList(null, pool)) {
            System.out.println();
            System.out.println("#### " + (host == null ? "one drain thread, a message at a time" : "ingress lanes: " + host));
            for (String name : names) {
                Workload w = WorkloadParser.resource(name);
                print(w, Evaluation.run(w, table, Evaluation.HELD_OUT_SEEDS, host));
            }
        }
    }

    private static void print(Workload w, Map<PolicyKind, PolicyStats> stats) {
        System.out.println();
        System.out.println("== " + w.name());
        System.out.println("| policy | weighted misses (mean ± sd) | misses C/H/N/L/B | p50 ms C/H/N/L/B | p99 ms C/H/N/L/B |");
        System.out.println("|---|---|---|---|---|");
        for (PolicyKind k : PolicyKind.values()) {
            PolicyStats s = stats.get(k);
            StringBuilder misses = new StringBuilder();
            StringBuilder p50 = new StringBuilder();
            StringBuilder p99 = new StringBuilder();
            for (int c = 0; c < TrafficClass.COUNT; c++) {
                String sep = c == 0 ? "" : " / ";
                misses.append(sep).append(String.format(Locale.ROOT, "%.0f", s.meanMisses(c)));
                p50.append(sep).append(ms(s.meanP50(c)));
                p99.append(sep).append(ms(s.meanP99(c)));
            }
            System.out.printf(Locale.ROOT, "| %s%s | %.0f ± %.0f | %s | %s | %s |%n", s.policy,
                    s.fallbacks() > 0 ? " (fell back " + s.fallbacks() + "x)" : "",
                    s.meanWeightedMisses(), s.sdWeightedMisses(), misses, p50, p99);
        }
        PolicyKind best = Evaluation.bestStatic(stats);
        double learned = stats.get(PolicyKind.LEARNED).meanWeightedMisses();
        double bestMisses = stats.get(best).meanWeightedMisses();
        int wins = 0;
        for (int i = 0; i < stats.get(best).seeds(); i++) {
            if (stats.get(PolicyKind.LEARNED).weightedMisses(i) < stats.get(best).weightedMisses(i)) {
                wins++;
            }
        }
        double excess = Evaluation.criticalP99Excess(stats);
        System.out.printf(Locale.ROOT,
                "verdict %s: learned %.0f vs best static %s %.0f weighted misses (%+.1f %%, learned fewer on %d/%d seeds); "
                        + "CRITICAL p99 learned vs strict %+.1f %% (%s 10 %%)%n",
                w.name(), learned, best.configName(), bestMisses, bestMisses == 0 ? 0 : 100 * (learned / bestMisses - 1),
                wins, stats.get(best).seeds(), 100 * excess, excess <= Evaluation.CRITICAL_P99_TOLERANCE ? "within" : "NOT within");
    }

    private static String ms(double nanos) {
        return String.format(Locale.ROOT, nanos < 10e6 ? "%.2f" : "%.0f", nanos / 1e6);
    }
}
