package io.tidegate.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.otel.MessageHeaders;
import io.tidegate.otel.MessagingAttributes;
import io.tidegate.otel.OtelSettings;
import io.tidegate.otel.Telemetry;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GatewayTracingTest {

    private static final Message QUOTE = Message.newBuilder().setTopic("data.quotes.X.BTCUSDT").setId("m-1").build();
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private Telemetry telemetry;

    private GatewayTracing tracing(double ratio) {
        telemetry = Telemetry.builder(new OtelSettings(true, false, "http://127.0.0.1:4317", OtelSettings.Protocol.GRPC,
                ratio, "gateway-tracing-test", "t", Duration.ofSeconds(10))).spanProcessor(SimpleSpanProcessor.create(spans)).build();
        return GatewayTracing.of(telemetry);
    }

    @AfterEach
    void close() {
        if (telemetry != null) {
            telemetry.close();
        }
    }

    private static Envelope envelope(Message m) {
        return new Envelope(m, m.getTopic(), 1L);
    }

    private static Message withParent(String flags) {
        return QUOTE.toBuilder().putHeaders("traceparent", "00-" + TRACE + "-b7ad6b7169203331-" + flags).build();
    }

    @Test
    void anUntracedPublishThatTheRatioDoesNotSampleGetsNoSpanAndKeepsItsHeaders() {
        GatewayTracing tracing = tracing(0.0);
        Envelope in = envelope(QUOTE);

        GatewayTracing.Ingress ingress = tracing.receive(in, null, true);
        assertThat(ingress.envelopeOr(in)).isSameAs(in);
        assertThat(tracing.append(List.of(in))).isNull();
        assertThat(tracing.deliver(QUOTE, "sub-1")).isSameAs(QUOTE);
        ingress.stored(false, false);
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void anUntracedPublishThatTheRatioSamplesStartsATraceCarriedToTheNextHop() {
        GatewayTracing tracing = tracing(1.0);
        GatewayTracing.Ingress ingress = tracing.receive(envelope(QUOTE), null, true);
        ingress.stored(false, false);

        SpanData receive = spans.getFinishedSpanItems().get(0);
        assertThat(receive.getName()).isEqualTo("receive data.quotes.X.BTCUSDT");
        assertThat(receive.getParentSpanContext().isValid()).isFalse();
        Envelope queued = ingress.envelopeOr(null);
        assertThat(queued.message()).as("the receive span rides in the envelope; the message is not copied").isSameAs(QUOTE);

        GatewayTracing.Append append = tracing.append(List.of(queued));
        append.end(null);
        SpanData appendSpan = spans.getFinishedSpanItems().get(1);
        assertThat(appendSpan.getName()).isEqualTo("append data.quotes.X.BTCUSDT");
        assertThat(appendSpan.getParentSpanId()).isEqualTo(receive.getSpanId());
        assertThat(appendSpan.getTraceId()).isEqualTo(receive.getTraceId());
        Envelope stored = append.batch().get(0);
        assertThat(stored.trace()).as("backends store the context in the headers, not the envelope").isNull();
        assertThat(stored.message().getHeadersOrThrow("traceparent"))
                .startsWith("00-" + appendSpan.getTraceId() + "-" + appendSpan.getSpanId() + "-");
        assertThat(MessageHeaders.hasSampledTraceContext(stored.message())).isTrue();
    }

    @Test
    void aBatchWithSeveralSampledMessagesGetsOneBatchSpanLinkedToEachAndLeavesTheOthersAlone() {
        GatewayTracing tracing = tracing(1.0);
        Envelope a = tracing.receive(envelope(QUOTE), null, true).envelopeOr(null);
        Envelope untraced = envelope(QUOTE.toBuilder().setId("m-2").build());
        Envelope b = tracing.receive(envelope(QUOTE.toBuilder().setId("m-3").build()), null, true).envelopeOr(null);

        GatewayTracing.Append append = tracing.append(List.of(a, untraced, b));
        append.end(null);

        assertThat(append.batch().get(1)).isSameAs(untraced);
        List<SpanData> appends = spans.getFinishedSpanItems();
        assertThat(appends).hasSize(3);
        SpanData batchSpan = appends.get(2);
        assertThat(batchSpan.getName()).isEqualTo("append");
        assertThat(batchSpan.getAttributes().get(MessagingAttributes.BATCH_MESSAGE_COUNT)).isEqualTo(3L);
        assertThat(batchSpan.getLinks()).extracting(l -> l.getSpanContext().getSpanId())
                .containsExactly(appends.get(0).getSpanId(), appends.get(1).getSpanId());
        assertThat(appends.get(1).getAttributes().get(MessagingAttributes.MESSAGE_ID)).isEqualTo("m-3");
    }

    @Test
    void thePublishersBaggageAndTraceStateReachTheStoredMessage() {
        GatewayTracing tracing = tracing(0.0);
        Message in = withParent("01").toBuilder().putHeaders("tracestate", "vendor=abc").putHeaders("baggage", "desk=fx").build();
        Envelope queued = tracing.receive(envelope(in), null, true).envelopeOr(null);

        Message stored = tracing.append(List.of(queued)).batch().get(0).message();

        assertThat(stored.getHeadersOrThrow("traceparent")).startsWith("00-" + TRACE + "-").doesNotContain("b7ad6b7169203331");
        assertThat(stored.getHeadersOrThrow("tracestate")).isEqualTo("vendor=abc");
        assertThat(stored.getHeadersOrThrow("baggage")).isEqualTo("desk=fx");
    }

    @Test
    void aClientThatSamplesItselfStartsNoTraceAtTheGatewayForMessagesWithoutContext() {
        GatewayTracing tracing = tracing(1.0);
        Envelope in = envelope(QUOTE);

        GatewayTracing.Ingress ingress = tracing.receive(in, null, false);
        assertThat(ingress.envelopeOr(in)).isSameAs(in);
        ingress.stored(false, false);
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void aPublisherDecisionIsFollowedWhateverTheRatio() {
        GatewayTracing never = tracing(0.0);
        Envelope sampled = envelope(withParent("01"));
        GatewayTracing.Ingress ingress = never.receive(sampled, null, true);
        ingress.stored(false, false);
        assertThat(spans.getFinishedSpanItems()).singleElement()
                .satisfies(s -> assertThat(s.getParentSpanId()).isEqualTo("b7ad6b7169203331"));
        telemetry.close();

        spans.reset();
        GatewayTracing always = tracing(1.0);
        Envelope unsampled = envelope(withParent("00"));
        assertThat(always.receive(unsampled, null, true).envelopeOr(unsampled)).isSameAs(unsampled);
        assertThat(always.append(List.of(unsampled))).isNull();
        assertThat(always.deliver(unsampled.message(), "sub-1")).isSameAs(unsampled.message());
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void aUnaryCallsMetadataContextIsTheParentOfHeaderlessMessages() {
        GatewayTracing never = tracing(0.0);
        Context metadata = Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(TRACE, "00f067aa0ba902b7",
                TraceFlags.getSampled(), TraceState.getDefault())));
        GatewayTracing.Ingress ingress = never.receive(envelope(QUOTE), metadata, true);
        ingress.stored(false, false);

        assertThat(spans.getFinishedSpanItems()).singleElement().satisfies(s -> {
            assertThat(s.getTraceId()).isEqualTo(TRACE);
            assertThat(s.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        });
        Message stored = never.append(List.of(ingress.envelopeOr(null))).batch().get(0).message();
        assertThat(MessageHeaders.hasSampledTraceContext(stored)).isTrue();
        assertThat(stored.getHeadersOrThrow("traceparent")).startsWith("00-" + TRACE + "-");
    }

    @Test
    void eachSpanCarriesTheMessagingAttributesItsKindAndItsOutcome() {
        GatewayTracing tracing = tracing(1.0);
        Message urgent = QUOTE.toBuilder().setPriority(Priority.PRIORITY_HIGH).build();
        GatewayTracing.Ingress ingress = tracing.receive(envelope(urgent), null, true);
        ingress.stored(true, false);
        GatewayTracing.Append append = tracing.append(List.of(ingress.envelopeOr(null)));
        append.end(new IllegalStateException("redis is down"));
        tracing.deliver(append.batch().get(0).message(), "sub-7");

        List<SpanData> ended = spans.getFinishedSpanItems();
        assertThat(ended).extracting(SpanData::getKind).containsExactly(SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER);
        SpanData receive = ended.get(0);
        assertThat(receive.getAttributes().asMap()).containsOnly(
                Map.entry(MessagingAttributes.MESSAGING_SYSTEM, "tidegate"),
                Map.entry(MessagingAttributes.DESTINATION_NAME, "data.quotes.X.BTCUSDT"),
                Map.entry(MessagingAttributes.OPERATION_TYPE, "receive"),
                Map.entry(MessagingAttributes.OPERATION_NAME, "receive"),
                Map.entry(MessagingAttributes.MESSAGE_ID, "m-1"),
                Map.entry(MessagingAttributes.PRIORITY, "HIGH"),
                Map.entry(AttributeKey.booleanKey("tidegate.spooled"), true),
                Map.entry(AttributeKey.booleanKey("tidegate.duplicate"), false));
        assertThat(receive.getEndEpochNanos()).isGreaterThanOrEqualTo(receive.getStartEpochNanos());
        assertThat(receive.getResource().getAttribute(AttributeKey.stringKey("service.name"))).isEqualTo("gateway-tracing-test");
        assertThat(receive.getInstrumentationScopeInfo().getName()).isEqualTo("io.tidegate.gateway");
        assertThat(ended.get(1).getStatus()).isEqualTo(StatusData.create(StatusCode.ERROR, "redis is down"));
        assertThat(ended.get(1).getAttributes().get(MessagingAttributes.OPERATION_TYPE)).isEqualTo("send");
        SpanData deliver = ended.get(2);
        assertThat(deliver.getName()).isEqualTo("deliver data.quotes.X.BTCUSDT");
        assertThat(deliver.getParentSpanContext().isRemote()).as("the stored header's context").isTrue();
        assertThat(deliver.getParentSpanId()).isEqualTo(ended.get(1).getSpanId());
        assertThat(deliver.getAttributes().get(AttributeKey.stringKey("tidegate.subscription.id"))).isEqualTo("sub-7");
    }

    private static final Message GARBLED = QUOTE.toBuilder()
            .putHeaders("traceparent", "00-" + TRACE.toUpperCase(java.util.Locale.ROOT) + "-b7ad6b7169203331-01").build();

    @Test
    void aMalformedTraceparentIsNotFollowedAndADeliveryDoesNotStartATraceForIt() {
        GatewayTracing never = tracing(0.0);
        Envelope in = envelope(GARBLED);

        assertThat(never.receive(in, null, true).envelopeOr(in)).as("no trace of its own at ratio 0").isSameAs(in);
        assertThat(never.deliver(GARBLED, "sub-1")).isSameAs(GARBLED);
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void aMalformedTraceparentIsTreatedAsNoContextWhenTheRatioStartsATrace() {
        GatewayTracing always = tracing(1.0);
        always.receive(envelope(GARBLED), null, true).stored(false, false);
        assertThat(spans.getFinishedSpanItems()).singleElement().satisfies(s -> {
            assertThat(s.getParentSpanContext().isValid()).isFalse();
            assertThat(s.getTraceId()).isNotEqualTo(TRACE);
        });
    }
}
