package io.tidegate.bench;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The result of one load run: what ran against what, rates over the measured window and latency
 * percentiles in microseconds; printed as a table and as one JSON line. Immutable.
 *
 * @param receivedEachSecond messages received in each whole second of the measured window (throughput over the run)
 */
record LoadReport(String backend, LoadOptions options, double seconds, long sent, long acked, long failed,
                  long received, Histogram latencyNanos, long cpuNanos, Histogram[] perClassNanos, long[] deadlineNanos,
                  double[] weights, long[] receivedEachSecond) {

    /** End-to-end misses times the class weights ({@code dispatch.classes.<class>.weight}), summed over the classes. */
    double weightedMisses() {
        double sum = 0;
        for (int c = 0; c < weights.length; c++) {
            sum += misses(c) * weights[c];
        }
        return sum;
    }

    /** Received messages of a class (0 = CRITICAL) whose end-to-end latency exceeded the class's dispatch deadline. */
    long misses(int c) {
        Histogram h = perClassNanos[c];
        return h.getTotalCount() - h.getCountBetweenValues(0, deadlineNanos[c]);
    }

    /** A percentile of a class's latency in microseconds; 0 without samples. */
    double classMicros(int c, double percentile) {
        Histogram h = perClassNanos[c];
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /**
     * CPU time this process (publishers, gateway, subscribers) spent per acked message in the
     * measured window: unlike msg/s it does not depend on how much CPU other processes leave.
     */
    double cpuMicrosPerMessage() {
        return acked == 0 ? 0 : cpuNanos / 1000.0 / acked;
    }

    double sentPerSecond() {
        return sent / seconds;
    }

    double ackedPerSecond() {
        return acked / seconds;
    }

    double receivedPerSecond() {
        return received / seconds;
    }

    private double micros(double percentile) {
        return latencyNanos.getTotalCount() == 0 ? 0 : latencyNanos.getValueAtPercentile(percentile) / 1000.0;
    }

    private double maxMicros() {
        return latencyNanos.getTotalCount() == 0 ? 0 : latencyNanos.getMaxValue() / 1000.0;
    }

    String mode() {
        if (!options.workload().isEmpty()) {
            return String.format(Locale.ROOT, "%s, workload %s x %.3g seed %d", options.group().isEmpty() ? "broadcast"
                    : "group " + options.group(), options.workload(), options.workloadScale(), options.workloadSeed());
        }
        String keys = options.keys() == 0 ? "" : ", " + options.keys() + " keys per topic";
        return (options.group().isEmpty() ? "broadcast" : "group " + options.group()
                + (options.strictKeyOrder() ? " strict key order" : "")) + keys;
    }

    String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "backend      %s%n", backend));
        b.append(String.format(Locale.ROOT, "load         %d publishers, %d subscribers (%s), %d topics, %d-byte payloads, rate %s%n",
                options.publishers(), options.subscribers(), mode(), options.topics(), options.payloadBytes(),
                options.paced() ? options.rate() + " msg/s (latency from intended send time)" : "max"));
        b.append(String.format(Locale.ROOT, "measured     %.1f s after %.1f s warmup%n", seconds, options.warmup().toMillis() / 1000.0));
        b.append(String.format(Locale.ROOT, "%-12s %14s%n", "", "msgs/s"));
        b.append(String.format(Locale.ROOT, "%-12s %,14.0f%n", "sent", sentPerSecond()));
        b.append(String.format(Locale.ROOT, "%-12s %,14.0f%s%n", "acked", ackedPerSecond(), failed > 0 ? "  (" + failed + " failed)" : ""));
        b.append(String.format(Locale.ROOT, "%-12s %,14.0f  (all subscribers together)%n", "received", receivedPerSecond()));
        b.append(String.format(Locale.ROOT, "%-12s %14.1f  (process CPU µs per acked message)%n", "cpu", cpuMicrosPerMessage()));
        b.append(String.format(Locale.ROOT, "latency µs   %10s %10s %10s %10s %10s %12s%n", "p50", "p90", "p99", "p99.9", "max", "samples"));
        b.append(String.format(Locale.ROOT, "             %10.1f %10.1f %10.1f %10.1f %10.1f %12d%n",
                micros(50), micros(90), micros(99), micros(99.9), maxMicros(), latencyNanos.getTotalCount()));
        if (options.perClass()) {
            b.append(String.format(Locale.ROOT, "per class µs %10s %10s %10s %12s %10s  (end-to-end over the class's dispatch deadline)%n",
                    "p50", "p99", "deadline", "samples", "missed"));
            for (int c = 0; c < PriorityMix.CLASSES.length; c++) {
                long n = perClassNanos[c].getTotalCount();
                b.append(String.format(Locale.ROOT, "%-12s %10.1f %10.1f %10.0f %12d %9.1f%%%n", className(c), classMicros(c, 50),
                        classMicros(c, 99), deadlineNanos[c] / 1000.0, n, n == 0 ? 0 : 100.0 * misses(c) / n));
            }
        }
        return b.toString();
    }

    String json() {
        return String.format(Locale.ROOT,
                "{\"tool\":\"tidegate-loadtool\",\"backend\":\"%s\",\"publishers\":%d,\"subscribers\":%d,\"mode\":\"%s\","
                        + "\"topics\":%d,\"payload_bytes\":%d,\"target_rate\":%d,\"seconds\":%.3f,"
                        + "\"sent_per_s\":%.1f,\"acked_per_s\":%.1f,\"received_per_s\":%.1f,\"failed\":%d,\"cpu_us_per_msg\":%.2f,"
                        + "\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p99_9\":%.1f,\"max\":%.1f,\"samples\":%d}}",
                backend.replace("\"", "'"), options.publishers(), options.subscribers(), mode(), options.topics(),
                options.payloadBytes(), options.rate(), seconds, sentPerSecond(), ackedPerSecond(), receivedPerSecond(),
                failed, cpuMicrosPerMessage(), micros(50), micros(90), micros(99), micros(99.9), maxMicros(), latencyNanos.getTotalCount())
                .replaceFirst("}}$", "}" + classesJson() + ",\"received_each_second\":"
                        + java.util.Arrays.toString(receivedEachSecond).replace(" ", "") + "}");
    }

    private String classesJson() {
        if (!options.perClass()) {
            return "";
        }
        StringBuilder b = new StringBuilder(",\"classes\":{");
        for (int c = 0; c < PriorityMix.CLASSES.length; c++) {
            b.append(String.format(Locale.ROOT, "%s\"%s\":{\"p50_us\":%.1f,\"p99_us\":%.1f,\"samples\":%d,\"missed\":%d}",
                    c == 0 ? "" : ",", className(c), classMicros(c, 50), classMicros(c, 99), perClassNanos[c].getTotalCount(), misses(c)));
        }
        return b.append('}').toString();
    }

    /** "CRITICAL" ... "BULK". */
    static String className(int c) {
        return PriorityMix.CLASSES[c].name().substring("PRIORITY_".length());
    }
}
