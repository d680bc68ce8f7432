package io.tidegate.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code LoadTool --policies a,b,...}: the same load once per {@code dispatch.policy} on a fresh
 * embedded gateway, {@code --repeat} rounds with the policies alternating within each round (so
 * drift of the machine hits all of them alike), then one table side by side: received msg/s per
 * run and their mean, weighted end-to-end deadline misses per run and their mean, and per class
 * p50/p99 and end-to-end deadline misses from the last round.
 * Runs on the calling thread.
 */
final class PolicyComparison {

    private PolicyComparison() {
    }

    /** Runs every policy, prints each run's report and then the side-by-side table; returns the last run's report. */
    static LoadReport run(LoadOptions options, PrintStream out) throws Exception {
        Map<String, List<LoadReport>> runs = new LinkedHashMap<>();
        LoadReport last = null;
        for (int round = 1; round <= options.repeat(); round++) {
            if (!options.variants().isEmpty()) {
                for (LoadOptions.Variant v : options.variants()) {
                    out.printf(Locale.ROOT, "== %s (%s), round %d of %d%n", v.name(), String.join(",", v.settings()),
                            round, options.repeat());
                    last = LoadTool.run(options.withVariant(v), out);
                    runs.computeIfAbsent(v.name(), p -> new ArrayList<>()).add(last);
                }
                continue;
            }
            for (String policy : options.policies()) {
                out.printf(Locale.ROOT, "== dispatch.policy=%s, round %d of %d%n", policy, round, options.repeat());
                last = LoadTool.run(options.withPolicy(policy), out);
                runs.computeIfAbsent(policy, p -> new ArrayList<>()).add(last);
            }
        }
        out.print(table(runs));
        out.flush();
        return last;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static String table(Map<String, List<LoadReport>> runs) {
        StringBuilder b = new StringBuilder("\n== policies side by side\n");
        b.append(String.format(Locale.ROOT, "%-10s %-40s %12s%n", "policy", "received msg/s per run", "mean"));
        for (Map.Entry<String, List<LoadReport>> e : runs.entrySet()) {
            StringBuilder each = new StringBuilder();
            double sum = 0;
            for (LoadReport r : e.getValue()) {
                each.append(String.format(Locale.ROOT, "%,.0f ", r.receivedPerSecond()));
                sum += r.receivedPerSecond();
            }
            b.append(String.format(Locale.ROOT, "%-10s %-40s %,12.0f%n", e.getKey(), each.toString().trim(), sum / e.getValue().size()));
        }
        b.append(String.format(Locale.ROOT, "%n%-10s %14s %22s %18s %22s%n", "run", "median msg/s", "spread (min-max)",
                "median CPU µs/msg", "spread (min-max)"));
        for (Map.Entry<String, List<LoadReport>> e : runs.entrySet()) {
            double[] rate = e.getValue().stream().mapToDouble(LoadReport::receivedPerSecond).sorted().toArray();
            double[] cpu = e.getValue().stream().mapToDouble(LoadReport::cpuMicrosPerMessage).sorted().toArray();
            b.append(String.format(Locale.ROOT, "%-10s %,14.0f %,10.0f-%,-11.0f %18.1f %10.1f-%-11.1f%n", e.getKey(),
                    median(rate), rate[0], rate[rate.length - 1], median(cpu), cpu[0], cpu[cpu.length - 1]));
        }
        LoadReport any = runs.values().iterator().next().get(0);
        if (!any.options().perClass()) {
            return b.toString();
        }
        b.append(String.format(Locale.ROOT, "%n%-10s %-40s %12s%n", "policy", "weighted misses per run (end to end)", "mean"));
        for (Map.Entry<String, List<LoadReport>> e : runs.entrySet()) {
            StringBuilder each = new StringBuilder();
            double sum = 0;
            for (LoadReport r : e.getValue()) {
                each.append(String.format(Locale.ROOT, "%,.0f ", r.weightedMisses()));
                sum += r.weightedMisses();
            }
            b.append(String.format(Locale.ROOT, "%-10s %-40s %,12.0f%n", e.getKey(), each.toString().trim(), sum / e.getValue().size()));
        }
        b.append(String.format(Locale.ROOT, "%n%-10s %-9s %12s %12s %10s %10s%n", "policy", "class", "p50 µs", "p99 µs", "missed", "samples"));
        for (Map.Entry<String, List<LoadReport>> e : runs.entrySet()) {
            LoadReport r = e.getValue().get(e.getValue().size() - 1);
            for (int c = 0; c < PriorityMix.CLASSES.length; c++) {
                long n = r.perClassNanos()[c].getTotalCount();
                b.append(String.format(Locale.ROOT, "%-10s %-9s %,12.0f %,12.0f %9.1f%% %10d%n", e.getKey(), LoadReport.className(c),
                        r.classMicros(c, 50), r.classMicros(c, 99), n == 0 ? 0 : 100.0 * r.misses(c) / n, n));
            }
        }
        return b.toString();
    }
}
