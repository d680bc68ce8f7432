package io.tidegate.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.telemetry.GatewayTracing;
import io.tidegate.otel.OtelSettings;
import io.tidegate.otel.Telemetry;
import io.tidegate.otel.export.CompactOtlpHttpSpanExporter;
import io.tidegate.proto.v1.Message;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * CPU cost of exporting the gateway's spans over OTLP http/protobuf, per span, with the SDK's
 * exporter and with {@link CompactOtlpHttpSpanExporter}: the gateway's receive, append and deliver
 * spans of messages sampled at 100 %, made at a steady rate on this thread and exported through
 * the batch span processor to an {@link OtlpSink} in this process. The cost is the CPU time of
 * every thread but this one and the sink's (the processor's worker, the sender's threads).
 * Usage: {@code ExportCost [messages per second, 5000] [seconds measured, 20]}.
 */
public final class ExportCost {

    private static final int SPANS_PER_MESSAGE = 3;
    private static final Duration WARM_UP = Duration.ofSeconds(20);

    private ExportCost() {
    }

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Message m = Message.newBuilder().setTopic("data.quotes.BINANCE.BTCUSDT").setId("m-1")
                .setPayload(ByteString.copyFrom(new byte[200])).build();
        for (String exporter : new String[] {"sdk", "compact"}) {
            try (OtlpSink sink = new OtlpSink()) {
                URI traces = URI.create(sink.endpoint() + "/v1/traces");
                SpanExporter spans = exporter.equals("sdk")
                        ? OtlpHttpSpanExporter.builder().setEndpoint(traces.toString()).build()
                        : new CompactOtlpHttpSpanExporter(traces, Duration.ofSeconds(10));
                long cpu;
                long messages;
                try (Telemetry telemetry = Telemetry.builder(new OtelSettings(true, false, sink.endpoint(),
                        OtelSettings.Protocol.HTTP_PROTOBUF, 1.0, "export-cost", "bench", Duration.ofSeconds(10)))
                        .spanExporter(spans).build()) {
                    GatewayTracing tracing = GatewayTracing.of(telemetry);
                    run(tracing, m, rate, WARM_UP.toSeconds());
                    long before = exportCpu();
                    messages = run(tracing, m, rate, seconds);
                    telemetry.flush(10, TimeUnit.SECONDS);
                    cpu = exportCpu() - before;
                }
                System.out.printf(Locale.ROOT, "%-8s %6.0f ns CPU per exported span (%d spans/s); sink: %s%n",
                        exporter, (double) cpu / (messages * SPANS_PER_MESSAGE), rate * SPANS_PER_MESSAGE, sink.describe());
            }
        }
    }

    /** CPU time of the live threads but this one and the sink's. */
    private static long exportCpu() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        long sum = 0;
        for (long id : threads.getAllThreadIds()) {
            var info = threads.getThreadInfo(id);
            if (id != self && info != null && !info.getThreadName().startsWith("bench-otlp-sink")) {
                sum += Math.max(0, threads.getThreadCpuTime(id));
            }
        }
        return sum;
    }

    /** The gateway's spans for {@code rate} messages a second, each in a batch of its own. */
    private static long run(GatewayTracing tracing, Message m, int rate, long seconds) {
        long start = System.nanoTime();
        long n = 0;
        for (long end = start + seconds * 1_000_000_000L; System.nanoTime() < end; n++) {
            long due = start + n * 1_000_000_000L / rate;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            Envelope in = new Envelope(m, m.getTopic(), n);
            GatewayTracing.Ingress ingress = tracing.receive(in, Context.root(), true);
            GatewayTracing.Append append = tracing.append(List.of(ingress.envelopeOr(in)));
            tracing.deliver(append.batch().get(0).message(), "sub-1");
            append.end(null);
            ingress.stored(false, false);
        }
        return n;
    }
}
