package io.tidegate.bench;

import java.time.Duration;
import java.util.List;

/**
 * The load tool's settings, parsed from "--name value" arguments. Immutable.
 *
 * @param endpoints     gateways to connect to (ignored with {@code embedded})
 * @param embedded      "" (use endpoints), "memory" or "redis://host:port": start a gateway in this process
 * @param rate          total messages per second over all publishers; 0: as fast as acks allow
 * @param group         "" for broadcast subscribers; else they share the messages as one group
 * @param keys          ordering keys per topic the publishers cycle through; 0: the topic is the key
 * @param strictKeyOrder GROUP: the subscribers ask for strict key order
 * @param maxBacklog    unpaced: messages published but not yet received (per subscriber share)
 *                      beyond which the publishers wait; 0: unbounded
 * @param traceRatio    -1: tracing off; else the sampling ratio of spans in the clients and the
 *                      embedded gateway
 * @param gatewayConfig "key=value" settings for the embedded gateway, over its defaults
 * @param priorities    the classes publishers' messages carry; none set: all NORMAL
 * @param policies      embedded: run once per {@code dispatch.policy} named, side by side; empty: one run
 * @param repeat        with policies or variants: rounds, each running every one once in turn (the order
 *                      reversed every other round, so a drift of the machine or the JIT hits all alike)
 * @param warmupRounds  with policies or variants: rounds run first and left out of the side-by-side table
 * @param quotes        publish real QuoteTick payloads on {@code data.quotes.<VENUE>.<SYMBOL>} topics (the
 *                      market tap and regime detector's input) instead of filler on {@code bench.*}
 * @param workload      "" or a shipped scheduling workload (steady, burst2x, regime-shock) whose arrivals
 *                      the publishers replay in real time instead of {@code rate}/{@code priorities}
 * @param workloadScale the workload's rates times this (its time divided by it)
 * @param workloadSeed  the seed the workload's arrivals are generated with
 * @param workloadService 0: the backend's own service time; else, with the memory backend, every
 *                      append takes the workload file's service time (and slowdowns) times this
 *                      stretch, and the classes' deadlines and max-waits are stretched alike, so the
 *                      run is the workload's timeline slowed by this factor (arrival scale 1 / it
 *                      unless {@code --workload-scale} is given)
 * @param variants      embedded: named sets of gateway settings run alternately like {@code policies}
 *                      ("name:k=v+k=v;name:..."), e.g. a feature on and off; empty: none
 * @param histogramFile "" or a file the measured latency's percentile distribution is written to
 *                      (HdrHistogram's text form, in microseconds) for plotting
 */
record LoadOptions(List<String> endpoints, String embedded, int publishers, int subscribers, int payloadBytes,
                   Duration duration, Duration warmup, long rate, int topics, String group, int credit,
                   int maxBatch, Duration linger, int maxPending, int keys, boolean strictKeyOrder,
                   double traceRatio, int maxBacklog, List<String> gatewayConfig, PriorityMix priorities,
                   List<String> policies, int repeat, int warmupRounds, boolean quotes, String workload, double workloadScale,
                   long workloadSeed, double workloadService, List<Variant> variants, String histogramFile) {

    /** A named set of embedded gateway settings, over {@code --gateway-config}. */
    record Variant(String name, List<String> settings) {
    }

    static final String USAGE = """
            LoadTool: N publishers and M subscribers through the Java SDK; prints msgs/s and latency percentiles
              --endpoint host:port[,...]   gateway(s) to load (default 127.0.0.1:7400)
              --embedded memory|redis://host:port
                                           start a gateway in this process instead (memory or Redis backend)
              --publishers 1   --subscribers 1   --topics 1
              --payload-bytes 200          message payload size (>= 8: the first 8 bytes carry the send time)
              --duration 10s   --warmup 2s  measured time and the unmeasured time before it (ms, s, m suffixes)
              --rate 0                     total msg/s, paced with coordinated-omission correction; 0 = max
              --group NAME                 subscribers share messages as a GROUP (default: broadcast, each gets all)
              --credit 10000               subscriber credit
              --batch 1000   --linger 0ms  publisher batching
              --max-pending 50000          publishes awaiting ack per publisher before publish() blocks
              --max-backlog 50000          with --rate 0: publishers wait while this many messages are
                                           published but not yet received (0 = unbounded)
              --keys 0                     ordering keys per topic, cycled through (0: the topic is the key)
              --strict-key-order false     with --group: the members ask for strict key order
              --trace off                  off, or a sampling ratio 0..1: spans in the clients and the embedded
                                           gateway, exported over OTLP/HTTP to an in-process sink
              --gateway-config k=v[,k=v]   embedded gateway settings over its defaults,
                                           e.g. dispatch.workers.max=2
              --priorities class:share,... the classes messages carry, e.g. critical:1,high:4,normal:20,low:25,bulk:50
                                           (default: none set, all NORMAL); the report adds per-class latency
                                           and end-to-end deadline misses
              --policies p[,p...]          with --embedded: one run per dispatch.policy (fifo, strict, weighted,
                                           learned), then a side-by-side table
              --repeat 1                   with --policies or --variants: rounds, each running every one in turn,
                                           the order reversed every other round (a b, b a, a b, ...)
              --warmup-rounds 0            with --policies or --variants: rounds run first (each one once, fresh
                                           gateways in this JVM, so the JIT is warm) and left out of the table
              --quotes false               true: publish generated BTC-like QuoteTick payloads (RegimeSeriesGenerator)
                                           on data.quotes.<VENUE>.S<i>, one per topic, the send time in
                                           Message.ts_init; --payload-bytes is then ignored
              --workload NAME              replay a scheduling workload (steady, burst2x, regime-shock) in real time:
                                           its classes, keys, payload sizes and bursts (not its service times);
                                           --rate, --priorities, --keys and --payload-bytes are then ignored
              --workload-scale 1           the workload's arrival rates times this
              --workload-seed 1001         the seed of the workload's arrivals
              --workload-service 0         with --embedded memory and --workload: appends take the workload's own
                                           service time (and slowdowns) times this stretch, one append at a time
                                           (an emulated backend); class deadlines and max-waits are stretched
                                           alike and --workload-scale defaults to 1/stretch (0: off)
              --variants "a:k=v+k=v;b:k=v" with --embedded: named gateway setting sets run in turn like
                                           --policies (with --repeat), then side by side with median and spread
              --histogram FILE             write the measured latency's percentile distribution (HdrHistogram
                                           text form, µs) to FILE""";

    static LoadOptions parse(String[] args) {
        java.util.Map<String, String> v = new java.util.HashMap<>();
        List<String> known = List.of("endpoint", "embedded", "publishers", "subscribers", "payload-bytes", "duration",
                "warmup", "rate", "topics", "group", "credit", "batch", "linger", "max-pending", "keys",
                "strict-key-order", "trace", "max-backlog", "gateway-config", "priorities", "policies", "repeat", "warmup-rounds",
                "quotes",
                "workload", "workload-scale", "workload-seed", "workload-service", "variants", "histogram");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new IllegalArgumentException(USAGE);
            }
            String name = a.startsWith("--") ? a.substring(2) : "";
            String value;
            if (name.contains("=")) {
                value = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            } else {
                value = i + 1 < args.length ? args[++i] : null;
            }
            if (!known.contains(name) || value == null) {
                throw new IllegalArgumentException("bad argument \"" + a + "\"\n" + USAGE);
            }
            v.put(name, value);
        }
        LoadOptions o = new LoadOptions(
                List.of(v.getOrDefault("endpoint", "127.0.0.1:7400").split(",")),
                v.getOrDefault("embedded", ""),
                intArg(v, "publishers", 1, 1),
                intArg(v, "subscribers", 1, 0),
                intArg(v, "payload-bytes", 200, 8),
                duration(v, "duration", "10s"),
                duration(v, "warmup", "2s"),
                intArg(v, "rate", 0, 0),
                intArg(v, "topics", 1, 1),
                v.getOrDefault("group", ""),
                intArg(v, "credit", 10_000, 1),
                intArg(v, "batch", 1000, 1),
                duration(v, "linger", "0ms"),
                intArg(v, "max-pending", 50_000, 1),
                intArg(v, "keys", 0, 0),
                Boolean.parseBoolean(v.getOrDefault("strict-key-order", "false")),
                traceRatio(v.getOrDefault("trace", "off")),
                intArg(v, "max-backlog", 50_000, 0),
                v.containsKey("gateway-config") ? List.of(v.get("gateway-config").split(",")) : List.of(),
                PriorityMix.parse(v.getOrDefault("priorities", "")),
                v.containsKey("policies") ? List.of(v.get("policies").split(",")) : List.of(),
                intArg(v, "repeat", 1, 1),
                intArg(v, "warmup-rounds", 0, 0),
                Boolean.parseBoolean(v.getOrDefault("quotes", "false")),
                v.getOrDefault("workload", ""),
                positiveDouble(v, "workload-scale", v.containsKey("workload-service")
                        ? Double.toString(1 / positiveDouble(v, "workload-service", "1")) : "1"),
                intArg(v, "workload-seed", 1001, 0),
                v.containsKey("workload-service") ? positiveDouble(v, "workload-service", "1") : 0,
                variants(v.getOrDefault("variants", "")),
                v.getOrDefault("histogram", ""));
        for (String p : o.policies) {
            if (!List.of("fifo", "strict", "weighted", "learned").contains(p)) {
                throw new IllegalArgumentException("--policies takes fifo, strict, weighted or learned, was \"" + p + "\"");
            }
        }
        if (!o.variants.isEmpty() && (o.embedded.isEmpty() || !o.policies.isEmpty())) {
            throw new IllegalArgumentException("--variants needs --embedded and no --policies");
        }
        if (o.warmupRounds > 0 && o.policies.isEmpty() && o.variants.isEmpty()) {
            throw new IllegalArgumentException("--warmup-rounds needs --policies or --variants: it runs each of them first");
        }
        if (!o.policies.isEmpty() && o.embedded.isEmpty()) {
            throw new IllegalArgumentException("--policies needs --embedded: it configures the gateway this process starts");
        }
        if (!o.embedded.isEmpty() && !o.embedded.equals("memory") && !o.embedded.startsWith("redis://")) {
            throw new IllegalArgumentException("--embedded must be memory or redis://host:port, was " + o.embedded);
        }
        if (o.strictKeyOrder && o.group.isEmpty()) {
            throw new IllegalArgumentException("--strict-key-order needs --group: it applies to GROUP subscriptions");
        }
        if (!o.gatewayConfig.isEmpty() && o.embedded.isEmpty()) {
            throw new IllegalArgumentException("--gateway-config needs --embedded: it configures the gateway this process starts");
        }
        if (!o.workload.isEmpty()) {
            try {
                WorkloadLoop.workload(o.workload);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--workload takes steady, burst2x or regime-shock: " + e.getMessage());
            }
        }
        if (o.workloadService > 0 && (o.workload.isEmpty() || !o.embedded.equals("memory"))) {
            throw new IllegalArgumentException("--workload-service needs --workload and --embedded memory: it emulates "
                    + "the workload's backend around the memory store");
        }
        if (o.duration.isZero()) {
            throw new IllegalArgumentException("--duration must be > 0");
        }
        return o;
    }

    /** Whether messages carry classes, so reports are per class. */
    boolean perClass() {
        return priorities.isSet() || !workload.isEmpty();
    }

    private static double positiveDouble(java.util.Map<String, String> v, String name, String dflt) {
        String s = v.getOrDefault(name, dflt);
        try {
            double d = Double.parseDouble(s);
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--" + name + " must be a number > 0, was \"" + s + "\"");
    }

    /** -1 for off, else the sampling ratio. */
    private static double traceRatio(String s) {
        if (s.equals("off")) {
            return -1;
        }
        try {
            double r = Double.parseDouble(s);
            if (r >= 0 && r <= 1) {
                return r;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--trace must be off or a sampling ratio from 0 to 1, was \"" + s + "\"");
    }

    /** True when spans are recorded. */
    boolean tracing() {
        return traceRatio >= 0;
    }

    private static int intArg(java.util.Map<String, String> v, String name, int fallback, int min) {
        String s = v.get(name);
        try {
            int n = s == null ? fallback : Integer.parseInt(s.replace("_", ""));
            if (n < min) {
                throw new IllegalArgumentException("--" + name + " must be >= " + min + ", was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, was \"" + s + "\"");
        }
    }

    static Duration duration(java.util.Map<String, String> v, String name, String fallback) {
        String s = v.getOrDefault(name, fallback).trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            } else if (s.endsWith("s")) {
                return Duration.ofMillis((long) (Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
            } else if (s.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
            }
            return Duration.ofSeconds(Long.parseLong(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a duration like 500ms, 10s or 1m, was \"" + s + "\"");
        }
    }

    /** The same options for one run under {@code dispatch.policy = policy}. */
    LoadOptions withPolicy(String policy) {
        List<String> config = new java.util.ArrayList<>(gatewayConfig);
        config.add("dispatch.policy=" + policy);
        return new LoadOptions(endpoints, embedded, publishers, subscribers, payloadBytes, duration, warmup, rate, topics,
                group, credit, maxBatch, linger, maxPending, keys, strictKeyOrder, traceRatio, maxBacklog, List.copyOf(config),
                priorities, List.of(), 1, 0, quotes, workload, workloadScale, workloadSeed, workloadService, List.of(),
                histogramFile);
    }

    LoadOptions withVariant(Variant variant) {
        List<String> config = new java.util.ArrayList<>(gatewayConfig);
        config.addAll(variant.settings());
        return new LoadOptions(endpoints, embedded, publishers, subscribers, payloadBytes, duration, warmup, rate, topics,
                group, credit, maxBatch, linger, maxPending, keys, strictKeyOrder, traceRatio, maxBacklog, List.copyOf(config),
                priorities, List.of(), 1, 0, quotes, workload, workloadScale, workloadSeed, workloadService, List.of(),
                histogramFile);
    }

    private static List<Variant> variants(String spec) {
        List<Variant> out = new java.util.ArrayList<>();
        for (String part : spec.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int colon = part.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("--variants takes name:key=value+key=value;name:...; was \"" + spec + "\"");
            }
            out.add(new Variant(part.substring(0, colon).trim(), List.of(part.substring(colon + 1).trim().split("\\+"))));
        }
        return List.copyOf(out);
    }

    boolean paced() {
        return rate > 0;
    }
}
