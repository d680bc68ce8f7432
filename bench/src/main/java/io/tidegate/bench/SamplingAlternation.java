package io.tidegate.bench;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.ConfigLoader;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.dispatch.DispatchStats;
import io.tidegate.otel.RootSampling;
import io.tidegate.proto.v1.Priority;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a sampling ratio costs, measured inside one gateway: a gateway (the same arguments as
 * {@code io.tidegate.gateway.Main}, with tracing on) whose root sampling alternates between 0 and
 * the configured ratio every window, printing its throughput and CPU per message per window and,
 * after each window, each sampled window against the mean of the unsampled windows either side.
 *
 * <p>Separate runs of one setting on a shared VM differ by up to 30 % (neighbours, memory layout,
 * JIT), which buries a cost of a few percent; adjacent windows of one process share all of that,
 * so their difference is the sampling's. What it leaves out: the cost of tracing being on at all
 * (the span processor's idle thread, OTLP metric pushes), and it splits the collector's work
 * between windows, since a collection can span several (at ~4 s per cycle, about half of the GC
 * cost that sampling's garbage causes lands in unsampled windows).
 *
 * <p>Run by {@code GATEWAY_MAIN=io.tidegate.bench.SamplingAlternation scripts/bench-split.sh 0.01}.
 * System properties: {@code tidegate.bench.window-seconds} (2), {@code tidegate.bench.skip-seconds}
 * (90: warm-up not counted).
 */
public final class SamplingAlternation {

    private SamplingAlternation() {
    }

    public static void main(String[] args) throws InterruptedException {
        GatewayConfig config = ConfigLoader.fromArgs(args, System.getenv());
        if (!config.otel().enabled()) {
            throw new IllegalArgumentException("SamplingAlternation needs --otel.enabled=true and a sampling ratio");
        }
        long windowMillis = Long.getLong("tidegate.bench.window-seconds", 2) * 1000;
        long skipMillis = Long.getLong("tidegate.bench.skip-seconds", 90) * 1000;
        double ratio = config.otel().samplingRatio();
        try (EmbeddedGateway gateway = EmbeddedGateway.start(config)) {
            System.out.println("tidegate: gateway " + config.gatewayId() + " listening on " + gateway.target());
            RootSampling roots = gateway.telemetry().rootSampling();
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            List<Window> windows = new ArrayList<>();
            long start = System.nanoTime();
            long messages = dispatched(gateway.dispatchStats());
            long cpu = os.getProcessCpuTime();
            for (boolean sampled = true; ; sampled = !sampled) {
                roots.ratio(sampled ? ratio : 0);
                long from = System.nanoTime();
                Thread.sleep(windowMillis);
                long to = System.nanoTime();
                long m = dispatched(gateway.dispatchStats());
                long c = os.getProcessCpuTime();
                Window w = new Window(sampled, (m - messages) * 1e9 / (to - from), (c - cpu) / 1e3 / Math.max(1, m - messages));
                messages = m;
                cpu = c;
                if ((to - start) / 1_000_000 > skipMillis) {
                    windows.add(w);
                    System.out.printf(Locale.ROOT, "window %s %,.0f msg/s %.3f us/msg; %s%n",
                            sampled ? "sampled  " : "unsampled", w.perSecond(), w.cpuMicros(), summary(windows, ratio));
                }
            }
        }
    }

    private static long dispatched(DispatchStats stats) {
        long n = 0;
        for (Priority p : Priority.values()) {
            if (p != Priority.UNRECOGNIZED && p != Priority.PRIORITY_UNSPECIFIED) {
                n += stats.dispatched(p);
            }
        }
        return n;
    }

    /** Each sampled window against the mean of its two unsampled neighbours: mean change and its standard error. */
    static String summary(List<Window> windows, double ratio) {
        List<Double> rate = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (int i = 1; i + 1 < windows.size(); i++) {
            Window before = windows.get(i - 1);
            Window w = windows.get(i);
            Window after = windows.get(i + 1);
            if (w.sampled() && !before.sampled() && !after.sampled() && before.perSecond() > 0 && after.perSecond() > 0) {
                rate.add(w.perSecond() / ((before.perSecond() + after.perSecond()) / 2) - 1);
                cpu.add(w.cpuMicros() / ((before.cpuMicros() + after.cpuMicros()) / 2) - 1);
            }
        }
        if (rate.size() < 2) {
            return "too few windows yet";
        }
        return String.format(Locale.ROOT, "at %s %% over %d sampled windows: msg/s %+.1f %% (standard error %.1f), "
                + "CPU per message %+.1f %% (standard error %.1f)", ratio * 100, rate.size(),
                100 * mean(rate), 100 * standardError(rate), 100 * mean(cpu), 100 * standardError(cpu));
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    private static double standardError(List<Double> xs) {
        double m = mean(xs);
        double variance = xs.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / (xs.size() - 1);
        return Math.sqrt(variance / xs.size());
    }

    /** One window: sampled or not, messages per second, process CPU microseconds per message. */
    record Window(boolean sampled, double perSecond, double cpuMicros) {
    }
}
