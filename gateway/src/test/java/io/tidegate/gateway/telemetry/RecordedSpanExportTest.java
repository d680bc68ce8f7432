package io.tidegate.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.otel.OtelSettings;
import io.tidegate.otel.Telemetry;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's recorded spans exported by the OpenTelemetry SDK's OTLP http/protobuf exporter to
 * a collector on loopback: what the collector decodes is what a trace viewer shows (names, kinds,
 * ids, parents, links, attributes, status, resource and scope).
 */
class RecordedSpanExportTest {

    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String PUBLISH_SPAN = "b7ad6b7169203331";
    private static final String TOPIC = "data.quotes.X.BTCUSDT";
    private static final HexFormat HEX = HexFormat.of();

    private HttpServer collector;
    private final List<ResourceSpans> received = new CopyOnWriteArrayList<>();
    private Telemetry telemetry;

    @BeforeEach
    void startCollector() throws IOException {
        collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        collector.createContext("/v1/traces", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                received.addAll(ExportTraceServiceRequest.parseFrom(in.readAllBytes()).getResourceSpansList());
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        collector.start();
        telemetry = Telemetry.builder(new OtelSettings(true, false, "http://127.0.0.1:" + collector.getAddress().getPort(),
                OtelSettings.Protocol.HTTP_PROTOBUF, 1.0, "export-test-gateway", "gw-a", Duration.ofSeconds(10))).build();
    }

    @AfterEach
    void stop() {
        telemetry.close();
        collector.stop(0);
    }

    @Test
    void aTracedMessagesReceiveAppendAndDeliverSpansReachTheCollectorAsOneChainWithTheirAttributes() {
        GatewayTracing tracing = GatewayTracing.of(telemetry);
        Message published = quote("m-1", Priority.PRIORITY_HIGH);
        GatewayTracing.Ingress ingress = tracing.receive(envelope(published), null, true);
        ingress.stored(true, false);
        GatewayTracing.Append append = tracing.append(List.of(ingress.envelopeOr(null)));
        append.end(new IllegalStateException("redis is down"));
        Message stored = append.batch().get(0).message();
        tracing.deliver(stored, "sub-7");

        Map<String, Span> spans = exported(3);
        Span receive = spans.get("receive " + TOPIC);
        Span appendSpan = spans.get("append " + TOPIC);
        Span deliver = spans.get("deliver " + TOPIC);
        assertThat(List.of(receive, appendSpan, deliver)).allSatisfy(s -> assertThat(hex(s.getTraceId())).isEqualTo(TRACE));
        assertThat(hex(receive.getParentSpanId())).isEqualTo(PUBLISH_SPAN);
        assertThat(appendSpan.getParentSpanId()).isEqualTo(receive.getSpanId());
        assertThat(stored.getHeadersOrThrow("traceparent")).isEqualTo("00-" + TRACE + "-" + hex(appendSpan.getSpanId()) + "-01");
        assertThat(deliver.getParentSpanId()).isEqualTo(appendSpan.getSpanId());
        assertThat(List.of(receive.getKind(), appendSpan.getKind(), deliver.getKind()))
                .containsExactly(Span.SpanKind.SPAN_KIND_SERVER, Span.SpanKind.SPAN_KIND_CLIENT, Span.SpanKind.SPAN_KIND_PRODUCER);

        assertThat(attributes(receive)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "messaging.system", "tidegate", "messaging.destination.name", TOPIC,
                "messaging.operation.type", "receive", "messaging.operation.name", "receive",
                "messaging.message.id", "m-1", "tidegate.priority", "HIGH",
                "tidegate.spooled", true, "tidegate.duplicate", false));
        assertThat(attributes(appendSpan)).containsEntry("messaging.operation.type", "send").containsEntry("messaging.message.id", "m-1");
        assertThat(appendSpan.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(appendSpan.getStatus().getMessage()).isEqualTo("redis is down");
        assertThat(attributes(deliver)).containsEntry("tidegate.subscription.id", "sub-7")
                .containsEntry("messaging.operation.name", "deliver");
        assertThat(receive.getEndTimeUnixNano()).isGreaterThanOrEqualTo(receive.getStartTimeUnixNano()).isPositive();

        ResourceSpans resource = received.get(0);
        assertThat(attributes(resource.getResource().getAttributesList()))
                .containsEntry("service.name", "export-test-gateway").containsEntry("service.instance.id", "gw-a");
        assertThat(resource.getScopeSpansList()).extracting(ss -> ss.getScope().getName()).containsOnly("io.tidegate.gateway");
    }

    @Test
    void aBatchSpanReachesTheCollectorLinkedToEachSampledMessagesAppendSpan() {
        GatewayTracing tracing = GatewayTracing.of(telemetry);
        GatewayTracing.Ingress first = tracing.receive(envelope(quote("m-1", Priority.PRIORITY_BULK)), null, true);
        GatewayTracing.Ingress second = tracing.receive(envelope(quote("m-3", Priority.PRIORITY_BULK)), null, true);
        tracing.append(List.of(first.envelopeOr(null), second.envelopeOr(null))).end(null);
        first.stored(false, false);
        second.stored(false, false);

        List<Span> appends = exportedSpans(5).stream().filter(s -> s.getName().startsWith("append")).toList();
        Span batch = appends.stream().filter(s -> s.getName().equals("append")).findFirst().orElseThrow();
        List<Span> perMessage = appends.stream().filter(s -> !s.getName().equals("append")).toList();
        assertThat(perMessage).hasSize(2);
        assertThat(attributes(batch)).containsEntry("messaging.batch.message_count", 2L);
        assertThat(batch.getLinksList()).extracting(l -> hex(l.getSpanId()))
                .containsExactlyInAnyOrderElementsOf(perMessage.stream().map(s -> hex(s.getSpanId())).toList());
        assertThat(batch.getLinksList()).extracting(l -> hex(l.getTraceId())).containsOnly(TRACE);
    }

    private static Message quote(String id, Priority priority) {
        return Message.newBuilder().setTopic(TOPIC).setId(id).setPriority(priority)
                .putHeaders("traceparent", "00-" + TRACE + "-" + PUBLISH_SPAN + "-01").build();
    }

    private static Envelope envelope(Message m) {
        return new Envelope(m, m.getTopic(), 1L);
    }

    /** The exported spans by name, after a flush; exactly {@code count} of them. */
    private Map<String, Span> exported(int count) {
        Map<String, Span> byName = new LinkedHashMap<>();
        exportedSpans(count).forEach(s -> assertThat(byName.put(s.getName(), s)).as("one span named %s", s.getName()).isNull());
        return byName;
    }

    private List<Span> exportedSpans(int count) {
        telemetry.flush(10, TimeUnit.SECONDS);
        List<Span> spans = received.stream().flatMap(rs -> rs.getScopeSpansList().stream())
                .flatMap((ScopeSpans ss) -> ss.getSpansList().stream()).toList();
        assertThat(spans).hasSize(count);
        return spans;
    }

    private static Map<String, Object> attributes(Span span) {
        return attributes(span.getAttributesList());
    }

    private static Map<String, Object> attributes(List<KeyValue> keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (KeyValue kv : keyValues) {
            AnyValue v = kv.getValue();
            Object value = switch (v.getValueCase()) {
                case STRING_VALUE -> v.getStringValue();
                case BOOL_VALUE -> v.getBoolValue();
                case INT_VALUE -> v.getIntValue();
                case DOUBLE_VALUE -> v.getDoubleValue();
                default -> v.toString();
            };
            assertThat(map.put(kv.getKey(), value)).as("attribute %s once", kv.getKey()).isNull();
        }
        return map;
    }

    private static String hex(ByteString bytes) {
        return HEX.formatHex(bytes.toByteArray());
    }
}
