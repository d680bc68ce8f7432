package io.tidegate.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code LoadTool --policies a,b,...} (or {@code --variants}): the same load once per
 * {@code dispatch.policy} (or set of settings) on a fresh embedded gateway, after
 * {@code --warmup-rounds} uncounted rounds, {@code --repeat} rounds with the order reversed every
 * other round (so a drift of the machine or the JIT hits all of them alike), then one table side
 * by side: received msg/s and process CPU per message per run and their mean, weighted end-to-end deadline misses per run and their mean, and per class
 * p50/p99 and end-to-end deadline misses from the last round.
 * Runs on the calling thread.
 */
final class PolicyComparison {

    private PolicyComparison() {
    }

    /** Runs every policy, prints each run's report and then the side-by-side table; returns the last run's report. */
    static LoadReport run(LoadOptions options, PrintStream out) throws Exception {
        Map<String, List<LoadReport>> runs = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        Map<String, LoadOptions> settings = new LinkedHashMap<>();
        for (LoadOptions.Variant v : options.variants()) {
            names.add(v.name());
            settings.put(v.name(), options.withVariant(v));
        }
        for (String policy : options.policies()) {
            names.add(policy);
            settings.put(policy, options.withPolicy(policy));
        }
        LoadReport last = null;
        int rounds = options.warmupRounds() + options.repeat();
        for (int r = 0; r < rounds; r++) {
            boolean warmup = r < options.warmupRounds();
            for (String name : roundOrder(names, r)) {
                String label = warmup ? String.format(Locale.ROOT, "warm-up round %d of %d (not counted)", r + 1,
                        options.warmupRounds()) : String.format(Locale.ROOT, "round %d of %d",
                        r - options.warmupRounds() + 1, options.repeat());
                out.printf(Locale.ROOT, "== %s, %s%n", describe(name, options), label);
                LoadReport report = LoadTool.run(settings.get(name), out);
                if (!warmup) {
                    last = report;
                    runs.computeIfAbsent(name, p -> new ArrayList<>()).add(report);
                }
            }
        }
        out.print(table(orderedAs(names, runs)));
        out.flush();
        return last;
    }

    /**
     * The order of one round: as given in even rounds, reversed in odd ones (a b, b a, a b, ...),
     * so a steady drift of the machine or of the JIT over the run favours none of them.
     */
    static List<String> roundOrder(List<String> names, int round) {
        List<String> order = new ArrayList<>(names);
        if (round % 2 == 1) {
            java.util.Collections.reverse(order);
        }
        return order;
    }

    private static String describe(String name, LoadOptions options) {
        for (LoadOptions.Variant v : options.variants()) {
            if (v.name().equals(name)) {
                return name + " (" + String.join(",", v.settings()) + ")";
            }
        }
        return "dispatch.policy=" + name;
    }

    private static Map<String, List<LoadReport>> orderedAs(List<String> names, Map<String, List<LoadReport>> runs) {
        Map<String, List<LoadReport>> ordered = new LinkedHashMap<>();
        for (String n : names) {
            ordered.put(n, runs.get(n));
        }
        return ordered;
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
        b.append(String.format(Locale.ROOT, "%n%-10s %-40s %12s%n", "policy", "process CPU µs per message per run", "mean"));
        for (Map.Entry<String, List<LoadReport>> e : runs.entrySet()) {
            StringBuilder each = new StringBuilder();
            double sum = 0;
            for (LoadReport r : e.getValue()) {
                each.append(String.format(Locale.ROOT, "%.1f ", r.cpuMicrosPerMessage()));
                sum += r.cpuMicrosPerMessage();
            }
            b.append(String.format(Locale.ROOT, "%-10s %-40s %12.1f%n", e.getKey(), each.toString().trim(), sum / e.getValue().size()));
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
