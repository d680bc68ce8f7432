package io.tidegate.bench;

import io.tidegate.gateway.EmbeddedGateway;
import io.opentelemetry.api.OpenTelemetry;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.otel.OtelSettings;
import io.tidegate.otel.Telemetry;
import io.tidegate.sdk.Subscription;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import io.tidegate.intelligence.scheduling.sim.Workload;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Puts load on a gateway through the Java SDK: N publisher clients (one thread each) and M
 * subscriber clients, for a warmup and then a measured window; prints a table and one JSON line.
 * Latency is publish time (or, paced, intended publish time) to handler time, measured on this
 * machine's monotonic clock, so publishers and subscribers run in this one process.
 */
public final class LoadTool {

    private LoadTool() {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        run(options, System.out);
        System.exit(0);
    }

    /** Runs the load described by {@code options}; prints the table and the JSON line to {@code out}. */
    static LoadReport run(LoadOptions options, PrintStream out) throws Exception {
        return run(options, out, g -> () -> { });
    }

    /**
     * As {@link #run(LoadOptions, PrintStream)}; {@code watch} sees the embedded gateway once it
     * has started, and what it returns is closed when the load ends, before the gateway stops.
     */
    static LoadReport run(LoadOptions options, PrintStream out, Function<EmbeddedGateway, AutoCloseable> watch)
            throws Exception {
        if (!options.policies().isEmpty() || !options.variants().isEmpty()) {
            return PolicyComparison.run(options, out);
        }
        EmbeddedGateway embedded = null;
        Path spool = null;
        List<String> endpoints = options.endpoints();
        String backend;
        OtlpSink sink = options.tracing() ? new OtlpSink() : null;
        Telemetry clientTelemetry = sink == null ? null : Telemetry.builder(new OtelSettings(true, false, sink.endpoint(),
                OtelSettings.Protocol.HTTP_PROTOBUF, options.traceRatio(), "tidegate-bench", "bench", Duration.ofSeconds(10))).build();
        // where the workload replay started: the emulated backend's slowdowns follow the replay's timeline
        AtomicLong replayStart = new AtomicLong(System.nanoTime());
        if (!options.embedded().isEmpty()) {
            spool = Files.createTempDirectory("tidegate-load-spool");
            try {
                embedded = startEmbedded(options, sink, spool, replayStart);
            } catch (RuntimeException e) {
                deleteTree(spool);
                throw e;
            }
            endpoints = List.of(embedded.target());
            backend = "embedded gateway, " + (options.embedded().equals("memory") ? "memory backend" : "redis backend " + options.embedded());
            if (options.workloadService() > 0) {
                backend += String.format(Locale.ROOT, " with the workload's service time x%.3g (emulated), deadlines x%.3g",
                        options.workloadService(), options.workloadService());
            }
        } else {
            backend = "gateway at " + String.join(",", endpoints);
        }
        if (sink != null) {
            backend += String.format(Locale.ROOT, ", tracing at %.4g sampling (OTLP/HTTP to an in-process sink)", options.traceRatio());
        }
        List<TidegateClient> clients = new ArrayList<>();
        AutoCloseable watcher = embedded == null ? () -> { } : watch.apply(embedded);
        try {
            GatewayConfig config = embedded != null ? embedded.config() : GatewayConfig.defaultsWith();
            long[] deadlines = new long[PriorityMix.CLASSES.length];
            double[] weights = new double[PriorityMix.CLASSES.length];
            for (int c = 0; c < deadlines.length; c++) {
                deadlines[c] = config.dispatch().scheduling().settings().of(c).deadlineNanos();
                weights[c] = config.dispatch().scheduling().settings().of(c).weight();
            }
            return load(options, endpoints, backend, clients, clientTelemetry, deadlines, weights, replayStart, out);
        } finally {
            watcher.close();
            for (TidegateClient c : clients) {
                c.close();
            }
            if (embedded != null) {
                embedded.close();
                deleteTree(spool);
            }
            if (clientTelemetry != null) {
                clientTelemetry.close();
                out.println("otlp sink    " + sink.describe());
                sink.close();
            }
        }
    }

    /**
     * Each embedded gateway spools in a directory of its own, removed after the run: in the
     * working directory's spool a run's unsent messages would be replayed into the next run.
     */
    private static EmbeddedGateway startEmbedded(LoadOptions options, OtlpSink sink, Path spool, AtomicLong replayStart) {
        List<String> overrides = new ArrayList<>(List.of("grpc.host=127.0.0.1", "grpc.port=0", "http.port=-1",
                "resilience.spool.dir=" + spool));
        if (sink != null) {
            overrides.addAll(List.of("otel.enabled=true", "otel.protocol=http/protobuf", "otel.endpoint=" + sink.endpoint(),
                    "otel.sampling-ratio=" + options.traceRatio()));
        }
        if (options.embedded().equals("memory")) {
            overrides.add("backend.type=memory");
        } else {
            overrides.add("backend.type=redis");
            overrides.add("backend.redis.uri=" + options.embedded());
        }
        if (options.workloadService() > 0) {
            overrides.addAll(stretchedClasses(options.workloadService()));
            overrides.addAll(options.gatewayConfig());
            Workload workload = WorkloadLoop.workload(options.workload());
            double scale = options.workloadScale();
            LongSupplier workloadNanos = () -> (long) ((System.nanoTime() - replayStart.get()) * scale) % workload.durationNanos();
            return EmbeddedGateway.startWithStore(GatewayConfig.defaultsWith(overrides.toArray(String[]::new)),
                    store -> new ServiceTimeBackend(store, workload, options.workloadService(), workloadNanos));
        }
        overrides.addAll(options.gatewayConfig());
        return EmbeddedGateway.start(GatewayConfig.defaultsWith(overrides.toArray(String[]::new)));
    }

    /**
     * The classes' deadlines and max-waits times {@code stretch}: with the workload's service time
     * and arrivals stretched alike, the run is the workload's timeline slowed down, deadlines included.
     */
    static List<String> stretchedClasses(double stretch) {
        var settings = GatewayConfig.defaultsWith().dispatch().scheduling().settings();
        List<String> out = new ArrayList<>();
        for (int c = 0; c < PriorityMix.CLASSES.length; c++) {
            String name = "dispatch.classes." + LoadReport.className(c).toLowerCase(Locale.ROOT);
            out.add(name + ".deadline=" + Math.round(settings.of(c).deadlineNanos() * stretch) + "ns");
            out.add(name + ".max-wait=" + Math.round(settings.of(c).maxWaitNanos() * stretch) + "ns");
        }
        return out;
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove the run's spool " + root, e);
        }
    }

    private static LoadReport load(LoadOptions o, List<String> endpoints, String backend, List<TidegateClient> clients,
                                   Telemetry telemetry, long[] deadlines, double[] weights, AtomicLong replayStart,
                                   PrintStream out) throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        String prefix = o.quotes() ? "data.quotes.BENCH" + run.toUpperCase(Locale.ROOT) : "bench." + run;
        String[] topics = new String[o.topics()];
        for (int i = 0; i < topics.length; i++) {
            topics[i] = prefix + (o.quotes() ? ".S" : ".t") + i;
        }
        com.google.protobuf.ByteString[] quotes = o.quotes() ? BenchQuotes.generate(50_000) : null;
        Recorder recorder = new Recorder(3);
        Recorder[] perClass = new Recorder[PriorityMix.CLASSES.length];
        for (int c = 0; c < perClass.length; c++) {
            perClass[c] = new Recorder(3);
        }
        LongAdder sent = new LongAdder();
        LongAdder acked = new LongAdder();
        LongAdder failed = new LongAdder();
        LongAdder received = new LongAdder();

        for (int i = 0; i < o.subscribers(); i++) {
            TidegateClient c = client(endpoints, "bench-sub-" + i, o, telemetry);
            clients.add(c);
            SubscriptionOptions.Builder sb = SubscriptionOptions.builder().patterns(prefix + ".>").credit(o.credit());
            if (!o.group().isEmpty()) {
                sb.group(o.group() + "-" + run).strictKeyOrder(o.strictKeyOrder());
            }
            Subscription s = c.subscribe(sb.build(), new SubscriberProbe(recorder, perClass, received, o.quotes()));
            s.confirmed().get(30, TimeUnit.SECONDS);
        }
        // broadcast: each subscriber receives every message; a group: one of them does
        long deliveriesPerMessage = o.group().isEmpty() || o.subscribers() == 0 ? o.subscribers() : 1;
        PublisherLoop.Backlog backlog = o.maxBacklog() == 0 || deliveriesPerMessage == 0
                ? () -> false
                : () -> sent.sum() - received.sum() / deliveriesPerMessage >= o.maxBacklog();
        List<Runnable> stops = new ArrayList<>();
        var workload = o.workload().isEmpty() ? null : WorkloadLoop.workload(o.workload());
        var arrivals = workload == null ? null : WorkloadLoop.arrivals(workload, o.workloadSeed());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < o.publishers(); i++) {
            TidegateClient c = client(endpoints, "bench-pub-" + i, o, telemetry);
            clients.add(c);
            if (!c.awaitConnected(Duration.ofSeconds(30))) {
                throw new IllegalStateException("could not connect to " + endpoints);
            }
            Runnable loop;
            if (workload != null) {
                WorkloadLoop w = new WorkloadLoop(c, topics, arrivals, workload, o.workloadScale(), i, o.publishers(),
                        sent, acked, failed, replayStart::get);
                stops.add(w::stop);
                loop = w;
            } else {
                PublisherLoop p = new PublisherLoop(c, topics, o.keys(), o.payloadBytes(), (double) o.rate() / o.publishers(),
                        sent, acked, failed, backlog, o.priorities(), quotes);
                stops.add(p::stop);
                loop = p;
            }
            Thread t = new Thread(loop, "bench-publisher-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        replayStart.set(System.nanoTime());
        threads.forEach(Thread::start);

        Thread.sleep(o.warmup().toMillis());
        recorder.getIntervalHistogram(); // drop the warmup samples
        for (Recorder r : perClass) {
            r.getIntervalHistogram();
        }
        long sent0 = sent.sum();
        long acked0 = acked.sum();
        long failed0 = failed.sum();
        long received0 = received.sum();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        long[] eachSecond = measureEachSecond(received, o.duration());
        long sent1 = sent.sum();
        long acked1 = acked.sum();
        long failed1 = failed.sum();
        long received1 = received.sum();
        long cpu1 = processCpuNanos();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Histogram latency = recorder.getIntervalHistogram();
        Histogram[] classLatency = new Histogram[perClass.length];
        for (int c = 0; c < perClass.length; c++) {
            classLatency[c] = perClass[c].getIntervalHistogram();
        }

        stops.forEach(Runnable::run);
        for (Thread t : threads) {
            t.join(5000);
        }
        LoadReport report = new LoadReport(backend, o, seconds, sent1 - sent0, acked1 - acked0, failed1 - failed0,
                received1 - received0, latency, cpu1 - cpu0, classLatency, deadlines, weights, eachSecond);
        if (!o.histogramFile().isEmpty()) {
            try (PrintStream file = new PrintStream(o.histogramFile(), java.nio.charset.StandardCharsets.UTF_8)) {
                latency.outputPercentileDistribution(file, 1000.0);
            }
        }
        out.print(report.table());
        out.println(report.json());
        out.flush();
        return report;
    }

    /** Sleeps through the measured window; returns the messages received in each whole second of it. */
    private static long[] measureEachSecond(LongAdder received, Duration window) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + window.toNanos();
        long[] counts = new long[(int) window.toSeconds()];
        long last = received.sum();
        for (int i = 0; i < counts.length; i++) {
            long wake = start + (i + 1) * 1_000_000_000L;
            Thread.sleep(Math.max(0, (wake - System.nanoTime()) / 1_000_000));
            long now = received.sum();
            counts[i] = now - last;
            last = now;
        }
        Thread.sleep(Math.max(0, (end - System.nanoTime()) / 1_000_000));
        return counts;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static TidegateClient client(List<String> endpoints, String name, LoadOptions o, Telemetry telemetry) {
        return TidegateClient.builder().endpoints(endpoints).clientName(name)
                .openTelemetry(telemetry != null ? telemetry : OpenTelemetry.noop())
                .maxBatchMessages(o.maxBatch()).linger(o.linger())
                .maxPendingPublishes(o.maxPending(), Duration.ofMinutes(5))
                .closeTimeout(Duration.ofSeconds(2))
                .build();
    }
}
