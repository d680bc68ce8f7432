package io.tidegate.examples;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tidegate.otel.OtelSettings;
import io.tidegate.otel.Telemetry;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.sdk.ReceivedMessage;
import io.tidegate.sdk.Subscription;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.SubscriptionStart;
import io.tidegate.sdk.TidegateClient;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A strategy's market-data intake in miniature: subscribes to a topic pattern (broadcast) and
 * prints each quote as "instrument bid x size / ask x size". Runs until interrupted or until
 * {@code --count} quotes were printed. Printing happens on the SDK's handler thread.
 */
public final class QuoteSubscriber {

    static final String USAGE = """
            QuoteSubscriber: prints the quotes matching a topic pattern
              --endpoint host:port[,host:port...]   gateway(s), default 127.0.0.1:7400
              --pattern data.quotes.>                topic pattern ("*" one segment, ">" the rest)
              --start latest                         latest | earliest
              --count 0                              exit after this many quotes (0: run until Ctrl-C)
              --otlp-endpoint URL                    trace each quote's handling (a "process" span continuing the
                                                     publisher's trace) and export over OTLP/gRPC, e.g.
                                                     http://127.0.0.1:4317; default OTEL_EXPORTER_OTLP_ENDPOINT, unset: off
              --service-name quote-subscriber        service.name of the exported spans""";

    private QuoteSubscriber() {
    }

    public static void main(String[] args) throws Exception {
        ExampleArgs a = ExampleArgs.parse(args, USAGE, "endpoint", "pattern", "start", "count", "otlp-endpoint",
                "service-name");
        List<String> endpoints = a.list("endpoint", "127.0.0.1:7400");
        String pattern = a.get("pattern", "data.quotes.>");
        SubscriptionStart start = switch (a.get("start", "latest")) {
            case "latest" -> SubscriptionStart.latest();
            case "earliest" -> SubscriptionStart.earliest();
            default -> throw new IllegalArgumentException("--start must be latest or earliest");
        };
        long count = (long) a.number("count", 0);
        String otlp = a.get("otlp-endpoint", System.getenv().getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", ""));
        try (Telemetry telemetry = tracing(otlp, a.get("service-name", "quote-subscriber"))) {
            TidegateClient.Builder builder = TidegateClient.builder().endpoints(endpoints).clientName("quote-subscriber");
            if (telemetry != null) {
                builder.openTelemetry(telemetry);
            }
            try (TidegateClient client = builder.build()) {
                CountDownLatch done = new CountDownLatch(1);
                run(client, pattern, start, count, System.out, done);
                done.await();
            }
        } // closing the telemetry exports the spans still queued
    }

    /** Spans exported over OTLP/gRPC to {@code endpoint}, sampled as their publisher decided; null when blank. */
    static Telemetry tracing(String endpoint, String serviceName) {
        if (endpoint.isBlank()) {
            return null;
        }
        return Telemetry.builder(new OtelSettings(true, false, endpoint, OtelSettings.Protocol.GRPC, 1.0, serviceName,
                serviceName + "-" + ProcessHandle.current().pid(), Duration.ofSeconds(10))).build();
    }

    /** Subscribes and prints to {@code out}; counts {@code done} down after {@code count} quotes (0: never). */
    static Subscription run(TidegateClient client, String pattern, SubscriptionStart start, long count, PrintStream out,
                            CountDownLatch done) throws Exception {
        long[] seen = {0};
        Subscription sub = client.subscribe(SubscriptionOptions.builder().patterns(pattern).start(start).build(), m -> {
            out.println(format(m));
            if (++seen[0] == count) {
                done.countDown();
            }
        });
        sub.confirmed().get(30, TimeUnit.SECONDS);
        System.err.println("subscribed to " + pattern);
        return sub;
    }

    static String format(ReceivedMessage m) {
        try {
            QuoteTick q = QuoteTick.parseFrom(m.message().getPayload());
            return String.format("%s %s  bid %s x %s  ask %s x %s", m.position().topic(), q.getInstrumentId(),
                    decimal(q.getBidPrice()), decimal(q.getBidSize()), decimal(q.getAskPrice()), decimal(q.getAskSize()));
        } catch (InvalidProtocolBufferException e) {
            return m.position().topic() + " (not a QuoteTick: " + m.message().getPayload().size() + " bytes)";
        }
    }

    /** Exact decimal text of a fixed-point value. */
    static String decimal(Decimal d) {
        return BigDecimal.valueOf(d.getUnits(), d.getScale()).toPlainString();
    }
}
