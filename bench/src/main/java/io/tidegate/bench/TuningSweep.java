package io.tidegate.bench;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.testkit.RedisServer;
import io.tidegate.testkit.TcpProxy;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.math3.stat.inference.MannWhitneyUTest;

/**
 * Shows what adaptive tuning ({@code tuning.*}) is worth: for each of three workloads, a sweep of
 * fixed {@code dispatch.max-batch} values (with {@code --read-counts} and {@code --read-aheads},
 * each combination with those {@code backend.redis.read-count} and
 * {@code delivery.read-ahead-messages} values), the default and the tuning controller (starting from
 * the default), each on a fresh embedded gateway through {@link LoadTool}, {@code --repeat}
 * rounds with the settings interleaved within each round so drift of the machine hits all alike
 * (after one discarded run that warms the JIT);
 * then one table per workload: received msg/s per run, their median, the median process CPU per
 * message and the median p99, the best fixed setting (by rate, and by CPU per message), the
 * default and the tuned run, tuned / best, a rank test of tuned against best over the runs, and
 * the {@link SplitHalfComparison} (best chosen on one half of the rounds, compared on the other),
 * which the winner's curse does not flatter. Each tuned run also prints
 * where the controller went ({@link TuningTrace}). With {@code --backend redis} a redis-server is
 * started and emptied after each run; {@code --redis-delay} puts a {@link TcpProxy} with that
 * one-way delay in front of it (a Redis that far away).
 *
 * <pre>
 * TuningSweep [--backend memory|redis] [--repeat 3] [--duration 4s] [--warmup 3s]
 *             [--redis-delay 0ms]
 *             [--values 16,64,256,1024,4096] [--read-counts 128,512,4096] [--read-aheads 512,4096]
 *             [--workloads steady,large-batches,many-publishers]
 * </pre>
 * Runs on the calling thread.
 */
public final class TuningSweep {

    /** A workload: LoadTool arguments besides the gateway and the timing. */
    private record Workload(String name, String description, List<String> args) {
    }

    private static final List<Workload> WORKLOADS = List.of(
            new Workload("steady", "2 publishers, 200-byte messages, SDK batches of 100, 1 subscriber",
                    List.of("--publishers", "2", "--payload-bytes", "200", "--batch", "100")),
            new Workload("large-batches", "2 publishers, 4 KiB messages, SDK batches of 1000 lingering 5 ms, 1 subscriber",
                    List.of("--publishers", "2", "--payload-bytes", "4096", "--batch", "1000", "--linger", "5ms")),
            new Workload("many-publishers", "16 publishers, 100-byte messages, SDK batches of 10, 8 topics, 1 subscriber",
                    List.of("--publishers", "16", "--payload-bytes", "100", "--batch", "10", "--topics", "8")));

    /**
     * Settings of the tuned runs: blocks of 1 s measured after 0.5 s settling, so a round A B B A
     * takes about 5 s, and at most 6 rounds a step, so a step that makes no difference is given up
     * within about 30 s. These short blocks of a bursty load are noisy, so a step is kept at a
     * one-sided significance of 0.05 (the default is 0.01 over 3-s blocks).
     */
    static final List<String> TUNED = List.of("tuning.enabled=true", "tuning.interval=250ms", "tuning.window=4",
            "tuning.settle=2", "tuning.max-rounds=6", "tuning.significance=0.05");

    /** How often a tuned run's settings are sampled for the trajectory it prints. */
    private static final long TRACE_EVERY_MILLIS = 1000;

    private TuningSweep() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Map.of("backend", "memory", "repeat", "3", "duration", "4s",
                "warmup", "3s", "redis-delay", "0ms", "values", "16,64,256,1024,4096", "read-counts", "",
                "read-aheads", "", "workloads", "steady,large-batches,many-publishers"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            String name = args[i].replaceFirst("^--", "");
            if (!o.containsKey(name)) {
                System.err.println("unknown argument " + args[i] + "; takes --" + String.join(", --", o.keySet()));
                System.exit(2);
            }
            o.put(name, args[i + 1]);
        }
        PrintStream out = System.out;
        if (o.get("backend").equals("redis")) {
            Duration delay = LoadOptions.duration(o, "redis-delay", "0ms");
            try (RedisServer redis = RedisServer.start();
                 TcpProxy far = new TcpProxy(redis.port(), delay)) {
                // each run writes new topics: without this Redis would hold every earlier run's streams
                String uri = delay.isZero() ? redis.uri() : "redis://" + far.target();
                String label = delay.isZero() ? uri : uri + " (one-way delay " + o.get("redis-delay") + ")";
                sweep(o, uri, label, out, () -> redis.command("FLUSHALL"));
            }
        } else {
            sweep(o, "memory", "memory", out, () -> { });
        }
        System.exit(0);
    }

    /**
     * @param label        the backend as the header names it
     * @param afterEachRun empties the backend, so no run inherits another's data
     */
    private static void sweep(Map<String, String> o, String embedded, String label, PrintStream out,
                              Runnable afterEachRun) throws Exception {
        List<LoadOptions.Variant> variants = fixedSettings(o.get("values"), o.get("read-counts"), o.get("read-aheads"));
        variants.add(new LoadOptions.Variant("default", List.of()));
        variants.add(new LoadOptions.Variant("tuned", TUNED));
        int repeat = Integer.parseInt(o.get("repeat"));
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        out.printf(Locale.ROOT, "TuningSweep: backend %s, %s warmup + %s measured per run, %d rounds, settings interleaved%n",
                label, o.get("warmup"), o.get("duration"), repeat);
        boolean warm = false;
        for (String name : o.get("workloads").split(",")) {
            Workload w = WORKLOADS.stream().filter(x -> x.name().equals(name.trim())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no workload " + name + "; there are "
                            + WORKLOADS.stream().map(Workload::name).toList()));
            List<String> args = new ArrayList<>(List.of("--embedded", embedded, "--duration", o.get("duration"),
                    "--warmup", o.get("warmup"), "--subscribers", "1",
                    // a retained log twice the load tool's backlog, so no message is trimmed before it
                    // is read; the memory backend keeps 1,000,000 entries per topic by default, whose
                    // 4 KiB payloads would fill the heap and measure the collector
                    "--gateway-config", "retention.max-length=100000"));
            args.addAll(w.args());
            LoadOptions base = LoadOptions.parse(args.toArray(String[]::new));
            if (!warm) {
                // the first run in a JVM measures the JIT as much as the gateway: run one, discard it
                LoadTool.run(base.withVariant(new LoadOptions.Variant("default", List.of())), quiet);
                afterEachRun.run();
                warm = true;
            }
            Map<String, List<LoadReport>> runs = new LinkedHashMap<>();
            for (int round = 1; round <= repeat; round++) {
                for (LoadOptions.Variant v : variants) {
                    List<TuningTrace> trace = new ArrayList<>();
                    LoadReport r = LoadTool.run(base.withVariant(v), quiet, g -> {
                        if (!g.config().tuning().enabled()) {
                            return () -> { };
                        }
                        trace.add(new TuningTrace(g.tuning(), TRACE_EVERY_MILLIS));
                        return trace.get(0);
                    });
                    afterEachRun.run();
                    runs.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(r);
                    out.printf(Locale.ROOT, "  %s, round %d, %s: %,.0f msg/s%n", w.name(), round, v.name(), r.receivedPerSecond());
                    if (!trace.isEmpty()) {
                        out.print(trace.get(0).describe());
                    }
                    out.flush();
                }
            }
            out.print(table(w, runs));
            out.flush();
        }
    }

    /**
     * Every combination of the given values (a blank list: that setting is left at its default),
     * but the one that is all defaults: that run is the sweep's "default". Named by the swept
     * settings only ("max-batch 64" when only the max batch is swept, else "mb 4096 rc 512").
     */
    static List<LoadOptions.Variant> fixedSettings(String maxBatches, String readCounts, String readAheads) {
        GatewayConfig defaults = GatewayConfig.defaultsWith();
        List<Dimension> dimensions = new ArrayList<>();
        dimensions.add(new Dimension("mb", "dispatch.max-batch", defaults.dispatch().maxBatch(), maxBatches));
        if (!readCounts.isBlank()) {
            dimensions.add(new Dimension("rc", "backend.redis.read-count", defaults.backend().redis().readCount(),
                    readCounts));
        }
        if (!readAheads.isBlank()) {
            dimensions.add(new Dimension("ra", "delivery.read-ahead-messages", defaults.delivery().readAheadMessages(),
                    readAheads));
        }
        List<LoadOptions.Variant> variants = new ArrayList<>();
        combine(dimensions, 0, new int[dimensions.size()], variants);
        return variants;
    }

    /** One swept setting: its short label, its config key, its default and the values to sweep. */
    private record Dimension(String label, String key, int defaultValue, List<Integer> values) {
        Dimension(String label, String key, int defaultValue, String values) {
            this(label, key, defaultValue, Arrays.stream(values.split(",")).map(String::trim)
                    .map(Integer::parseInt).toList());
        }
    }

    private static void combine(List<Dimension> dimensions, int d, int[] chosen, List<LoadOptions.Variant> out) {
        if (d < dimensions.size()) {
            for (int value : dimensions.get(d).values()) {
                chosen[d] = value;
                combine(dimensions, d + 1, chosen, out);
            }
            return;
        }
        List<String> names = new ArrayList<>();
        List<String> settings = new ArrayList<>();
        boolean allDefaults = true;
        for (int i = 0; i < dimensions.size(); i++) {
            Dimension dim = dimensions.get(i);
            names.add(dim.label() + " " + chosen[i]);
            settings.add(dim.key() + "=" + chosen[i]);
            allDefaults &= chosen[i] == dim.defaultValue();
        }
        if (dimensions.size() == 1) {
            out.add(new LoadOptions.Variant("max-batch " + chosen[0], settings));
        } else if (!allDefaults) {
            out.add(new LoadOptions.Variant(String.join(" ", names), settings));
        }
    }

    private static double median(double[] values) {
        return SplitHalfComparison.median(values);
    }

    private static double[] rates(List<LoadReport> runs) {
        return runs.stream().mapToDouble(LoadReport::receivedPerSecond).toArray();
    }

    private static double medianRate(List<LoadReport> runs) {
        return median(rates(runs));
    }

    private static double medianP99Micros(List<LoadReport> runs) {
        return median(runs.stream().mapToDouble(r -> r.latencyNanos().getTotalCount() == 0 ? 0
                : r.latencyNanos().getValueAtPercentile(99) / 1000.0).toArray());
    }

    /** A run at one fixed setting: every one but the controller's, the default included. */
    private static boolean fixed(String setting) {
        return !setting.equals("tuned");
    }

    private static double medianCpu(List<LoadReport> runs) {
        return median(runs.stream().mapToDouble(LoadReport::cpuMicrosPerMessage).toArray());
    }

    static String table(Workload w, Map<String, List<LoadReport>> runs) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%n== %s: %s%n", w.name(), w.description()));
        b.append(String.format(Locale.ROOT, "%-18s %-34s %14s %13s %12s%n", "setting", "received msg/s per run",
                "median msg/s", "median CPU µs", "median p99 µs"));
        String best = null;
        for (Map.Entry<String, List<LoadReport>> e : runs.entrySet()) {
            StringBuilder each = new StringBuilder();
            for (LoadReport r : e.getValue()) {
                each.append(String.format(Locale.ROOT, "%,.0f ", r.receivedPerSecond()));
            }
            b.append(String.format(Locale.ROOT, "%-18s %-34s %,14.0f %13.2f %,12.0f%n", e.getKey(), each.toString().trim(),
                    medianRate(e.getValue()), medianCpu(e.getValue()), medianP99Micros(e.getValue())));
            if (fixed(e.getKey()) && (best == null || medianRate(e.getValue()) > medianRate(runs.get(best)))) {
                best = e.getKey();
            }
        }
        double bestRate = medianRate(runs.get(best));
        double defaultRate = medianRate(runs.get("default"));
        double tunedRate = medianRate(runs.get("tuned"));
        b.append(String.format(Locale.ROOT, "best fixed: %s at %,.0f msg/s; default %,.0f; tuned %,.0f; "
                        + "tuned/best %.3f; tuned/default %.3f%n", best, bestRate, defaultRate, tunedRate,
                tunedRate / bestRate, tunedRate / defaultRate));
        // a rate alone hides what a setting costs the machine; CPU per message shows it
        String leanest = runs.keySet().stream().filter(TuningSweep::fixed)
                .min(Comparator.comparingDouble(k -> medianCpu(runs.get(k)))).orElseThrow();
        double leanestCpu = medianCpu(runs.get(leanest));
        double tunedCpu = medianCpu(runs.get("tuned"));
        b.append(String.format(Locale.ROOT, "process CPU per message: least fixed %s at %.2f µs; default %.2f; tuned %.2f; "
                        + "tuned/least %.3f; tuned/default %.3f%n", leanest, leanestCpu, medianCpu(runs.get("default")),
                tunedCpu, tunedCpu / leanestCpu, tunedCpu / medianCpu(runs.get("default"))));
        // the best fixed median is the highest of several noisy medians, so it sits above that
        // setting's true rate; a rank test over the runs says whether tuned and best differ at all
        b.append(String.format(Locale.ROOT, "tuned vs best fixed, Mann-Whitney U over the runs: p %.2f%n",
                new MannWhitneyUTest().mannWhitneyUTest(rates(runs.get("tuned")), rates(runs.get(best)))));
        if (runs.get("tuned").size() >= 2) {
            Map<String, double[]> fixed = new LinkedHashMap<>();
            runs.forEach((k, v) -> {
                if (fixed(k)) {
                    fixed.put(k, rates(v));
                }
            });
            for (SplitHalfComparison h : SplitHalfComparison.of(fixed, rates(runs.get("tuned")))) {
                String other = h.selectedOn().equals("odd") ? "even" : "odd";
                b.append(String.format(Locale.ROOT, "split half (best fixed chosen on %s rounds, compared on %s rounds): "
                                + "%s at %,.0f msg/s; tuned %,.0f; tuned/chosen %.3f%n", h.selectedOn(), other, h.chosen(),
                        h.chosenRate(), h.tunedRate(), h.ratio()));
            }
        }
        return b.toString();
    }
}
