package io.tidegate.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.telemetry.GatewayTracing;
import io.tidegate.otel.MessageHeaders;
import io.tidegate.otel.OtelSettings;
import io.tidegate.otel.Telemetry;
import io.tidegate.proto.v1.Message;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * CPU cost of the gateway's tracing per message, measured as this thread's CPU time (so other
 * processes on a busy machine do not change it), and the bytes it allocates: the ingress, append
 * and delivery steps of {@link GatewayTracing} for messages arriving without a trace context, at
 * tracing off, at a sampling ratio and at 100 %. Spans go through the batching processor to an
 * exporter that drops them, so OTLP serialisation and sending are not included (the load tool's
 * {@code --trace} runs include them). Usage: {@code TracingCost [ratio] [messages per round]}.
 */
public final class TracingCost {

    private static final Duration WARM_UP = Duration.ofSeconds(15);

    private TracingCost() {
    }

    public static void main(String[] args) {
        double ratio = args.length > 0 ? Double.parseDouble(args[0]) : 0.01;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        Message m = Message.newBuilder().setTopic("data.quotes.BINANCE.BTCUSDT").setId("m-1")
                .setPayload(ByteString.copyFrom(new byte[200])).build();
        for (double r : new double[] {-1, ratio, 1.0}) {
            try (Telemetry telemetry = Telemetry.builder(new OtelSettings(r >= 0, false, "http://127.0.0.1:4317",
                    OtelSettings.Protocol.GRPC, Math.max(r, 0), "tracing-cost", "bench", Duration.ofSeconds(10)))
                    .spanExporter(new Dropping()).build()) {
                GatewayTracing tracing = GatewayTracing.of(telemetry);
                Round steady = steadyRound(tracing, m, n);
                System.out.printf(Locale.ROOT, "tracing %-6s %8.1f ns CPU, %6.0f bytes allocated per message (receive + append + deliver)%n",
                        r < 0 ? "off" : r * 100 + "%", steady.nanos(), steady.bytes());
            }
        }
    }

    /**
     * The median of three rounds of {@code n} messages, after rounds that warm the JIT up for at
     * least {@link #WARM_UP}: a path taken by 1 % of messages gets compiled late, and at 1 %
     * sampling the first few million messages cost up to eight times the steady state.
     */
    private static Round steadyRound(GatewayTracing tracing, Message m, int n) {
        long warmUntil = System.nanoTime() + WARM_UP.toNanos();
        for (int round = 0; round < 4 || System.nanoTime() < warmUntil; round++) {
            round(tracing, m, n);
        }
        Round[] rounds = {round(tracing, m, n), round(tracing, m, n), round(tracing, m, n)};
        Arrays.sort(rounds, Comparator.comparingDouble(Round::nanos));
        return rounds[1];
    }

    /** CPU time and allocation of this thread per message, over one round. */
    private record Round(double nanos, double bytes) {
    }

    private static Round round(GatewayTracing tracing, Message m, int n) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long headers = 0;
        long bytes0 = threads.getCurrentThreadAllocatedBytes();
        long cpu0 = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            Envelope in = new Envelope(m, m.getTopic(), i);
            GatewayTracing.Ingress ingress = tracing.receive(in, Context.root(), true);
            List<Envelope> batch = List.of(ingress.envelopeOr(in));
            GatewayTracing.Append append = tracing.append(batch);
            Message stored = append == null ? batch.get(0).message() : append.batch().get(0).message();
            Message out = tracing.deliver(stored, "sub-1");
            if (append != null) {
                append.end(null);
            }
            ingress.stored(false, false);
            headers += MessageHeaders.hasTraceContext(out) ? 1 : 0;
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        long bytes = threads.getCurrentThreadAllocatedBytes() - bytes0;
        if (headers < 0) {
            System.out.println(); // keeps the loop's result alive
        }
        return new Round((double) cpu / n, (double) bytes / n);
    }

    /** Takes spans and drops them. */
    private static final class Dropping implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
