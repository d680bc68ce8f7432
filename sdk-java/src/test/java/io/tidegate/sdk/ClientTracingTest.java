package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.tidegate.otel.MessageHeaders;
import io.tidegate.otel.OtelSettings;
import io.tidegate.otel.Telemetry;
import io.tidegate.proto.v1.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClientTracingTest {

    private static final Message QUOTE = Message.newBuilder().setTopic("data.quotes.X.BTCUSDT").setId("m-1").build();
    private static final String UNSAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    private static final String SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final List<Message> sent = new ArrayList<>();
    private Telemetry telemetry;

    private ClientTracing tracing(double ratio) {
        telemetry = Telemetry.builder(new OtelSettings(true, false, "http://127.0.0.1:4317", OtelSettings.Protocol.GRPC,
                ratio, "client-tracing-test", "t", Duration.ofSeconds(10))).spanProcessor(SimpleSpanProcessor.create(spans)).build();
        return new ClientTracing(telemetry);
    }

    @AfterEach
    void close() {
        if (telemetry != null) {
            telemetry.close();
        }
    }

    private CompletableFuture<String> send(Message m) {
        sent.add(m);
        return CompletableFuture.completedFuture("acked");
    }

    @Test
    void anUnsampledPublishSendsTheMessageUntouchedAndRecordsNoSpan() {
        tracing(0.0).publish(QUOTE, this::send).join();

        assertThat(sent).singleElement().isSameAs(QUOTE);
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void aSampledPublishCarriesItsSpanInTheHeadersAndEndsItOnTheAck() {
        tracing(1.0).publish(QUOTE, this::send).join();

        SpanData publish = spans.getFinishedSpanItems().get(0);
        assertThat(publish.getName()).isEqualTo("publish data.quotes.X.BTCUSDT");
        assertThat(sent).singleElement().satisfies(m -> {
            assertThat(m.getHeadersOrThrow("traceparent")).startsWith("00-" + publish.getTraceId() + "-" + publish.getSpanId() + "-");
            assertThat(MessageHeaders.hasSampledTraceContext(m)).isTrue();
        });
    }

    @Test
    void aPublishInsideAnUnsampledCallerSpanIsNotSampledWhateverTheRatio() {
        ClientTracing tracing = tracing(1.0);
        Span caller = telemetry.getTracer("t").spanBuilder("caller")
                .setParent(MessageHeaders.extract(Telemetry.PROPAGATOR, io.opentelemetry.context.Context.root(),
                        QUOTE.toBuilder().putHeaders("traceparent", UNSAMPLED).build()))
                .startSpan();
        try (var ignored = caller.makeCurrent()) {
            tracing.publish(QUOTE, this::send).join();
        }
        assertThat(sent).singleElement().isSameAs(QUOTE);
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void aSampledDeliveryRunsTheHandlerInAProcessSpan() throws Exception {
        ClientTracing tracing = tracing(0.0); // the parent decides, not the ratio
        List<String> currentTrace = new ArrayList<>();
        tracing.process(received(QUOTE.toBuilder().putHeaders("traceparent", SAMPLED).build()),
                m -> currentTrace.add(Span.current().getSpanContext().getTraceId()));

        assertThat(currentTrace).containsExactly("0af7651916cd43dd8448eb211c80319c");
        assertThat(spans.getFinishedSpanItems()).singleElement().satisfies(s -> {
            assertThat(s.getName()).isEqualTo("process data.quotes.X.BTCUSDT");
            assertThat(s.getParentSpanId()).isEqualTo("b7ad6b7169203331");
        });
    }

    @Test
    void anUnsampledOrUntracedDeliveryGetsNoSpanButKeepsItsContextAndBaggage() throws Exception {
        ClientTracing tracing = tracing(1.0);
        List<String> seen = new ArrayList<>();
        tracing.process(received(QUOTE.toBuilder().putHeaders("traceparent", UNSAMPLED).putHeaders("baggage", "desk=btc").build()),
                m -> seen.add(Span.current().getSpanContext().getSpanId() + " " + Baggage.current().getEntryValue("desk")));
        tracing.process(received(QUOTE), m -> seen.add(String.valueOf(Span.current().getSpanContext().isValid())));

        assertThat(seen).containsExactly("b7ad6b7169203331 btc", "false");
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void onlyAClientWithATracerTellsTheGatewayItSamplesItself() {
        assertThat(new ClientTracing(io.opentelemetry.api.OpenTelemetry.noop()).samplesTraces()).isFalse();
        try (Telemetry off = Telemetry.builder(OtelSettings.disabled("client-tracing-test")).build()) {
            assertThat(new ClientTracing(off).samplesTraces()).isFalse();
        }
        assertThat(tracing(0.0).samplesTraces()).isTrue();
    }

    private static ReceivedMessage received(Message m) {
        return new ReceivedMessage() {
            @Override
            public Message message() {
                return m;
            }

            @Override
            public StreamPosition position() {
                return null;
            }

            @Override
            public int deliveryCount() {
                return 1;
            }

            @Override
            public long tsAcceptedNanos() {
                return 0;
            }

            @Override
            public String subscriptionId() {
                return "sub-1";
            }

            @Override
            public void ack() {
            }

            @Override
            public void nack(Duration delay) {
            }

            @Override
            public void extendDeadline(Duration extension) {
            }

            @Override
            public boolean isSettled() {
                return false;
            }
        };
    }
}
