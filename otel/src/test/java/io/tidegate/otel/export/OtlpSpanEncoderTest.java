package io.tidegate.otel.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.tidegate.otel.PackedSpanContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class OtlpSpanEncoderTest {

    private static final Resource GATEWAY = Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), "tidegate-gateway",
            AttributeKey.stringKey("service.instance.id"), "gw-a"), "https://opentelemetry.io/schemas/1.24.0");
    private static final Resource OTHER = Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "other"));
    private static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.builder("io.tidegate.gateway")
            .setVersion("1.0").setSchemaUrl("https://example.com/schema")
            .setAttributes(Attributes.of(AttributeKey.booleanKey("scoped"), true)).build();
    private static final InstrumentationScopeInfo BARE_SCOPE = InstrumentationScopeInfo.create("bare");

    @Test
    void aGatewaySpanReadsBackAsTheSdkWritesIt() {
        assertSameAsSdk(List.of(span(GATEWAY, SCOPE, 1).build()));
    }

    @Test
    void everyFieldAndAttributeTypeReadsBackAsTheSdkWritesIt() {
        SpanData rich = span(GATEWAY, SCOPE, 2)
                .setKind(SpanKind.CONSUMER)
                .setParentSpanContext(SpanContext.createFromRemoteParent("0af7651916cd43dd8448eb211c80319c",
                        "b7ad6b7169203331", TraceFlags.getSampled(), TraceState.getDefault()))
                .setAttributes(Attributes.builder()
                        .put("text", "Zürich → 東京 🚀") // two-, three- and four-byte UTF-8
                        .put("long", -42L)
                        .put("double", 3.25)
                        .put("flag", false)
                        .put(AttributeKey.stringArrayKey("strings"), List.of("a", "", "ü"))
                        .put(AttributeKey.longArrayKey("longs"), List.of(1L, Long.MAX_VALUE))
                        .put(AttributeKey.doubleArrayKey("doubles"), List.of(0.5))
                        .put(AttributeKey.booleanArrayKey("booleans"), List.of(true, false))
                        .put("long.text", "x".repeat(300)) // a length of two varint bytes
                        .build())
                .setTotalAttributeCount(12)
                .setEvents(List.of(EventData.create(1_700_000_000_000_000_500L, "retry",
                        Attributes.of(AttributeKey.longKey("attempt"), 2L), 3)))
                .setTotalRecordedEvents(4)
                .setLinks(List.of(
                        LinkData.create(SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
                                TraceFlags.getSampled(), TraceState.builder().put("vendor", "v1").put("other", "x").build()),
                                Attributes.of(AttributeKey.stringKey("why"), "batch"), 2),
                        LinkData.create(SpanContext.createFromRemoteParent("4bf92f3577b34da6a3ce929d0e0e4737",
                                "00f067aa0ba902b8", TraceFlags.getDefault(), TraceState.getDefault()))))
                .setTotalRecordedLinks(3)
                .setStatus(StatusData.create(StatusCode.ERROR, "backend refused the batch"))
                .build();
        assertSameAsSdk(List.of(rich));
    }

    @Test
    void packedContextsAreWrittenFromTheirLongsAsTheSdkWritesTheirHex() {
        PackedSpanContext parent = PackedSpanContext.fromTraceParent(
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=v1");
        PackedSpanContext self = parent.newChild();
        SpanData packed = span(GATEWAY, SCOPE, 3)
                .setSpanContext(self)
                .setParentSpanContext(parent)
                .setLinks(List.of(LinkData.create(PackedSpanContext.newTrace())))
                .setTotalRecordedLinks(1)
                .build();
        assertSameAsSdk(List.of(packed));
    }

    @Test
    void spansOfSeveralResourcesAndScopesAreGroupedAsTheSdkGroupsThem() {
        List<SpanData> spans = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Resource r = i % 3 == 0 ? OTHER : GATEWAY;
            InstrumentationScopeInfo s = i % 2 == 0 ? SCOPE : BARE_SCOPE;
            spans.add(span(r, s, 10 + i).setStatus(i % 5 == 0 ? StatusData.ok() : StatusData.unset()).build());
        }
        assertSameAsSdk(spans);
    }

    @Test
    void aLargeBatchWhoseOuterLengthsNeedSeveralVarintBytes() {
        List<SpanData> spans = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            spans.add(span(GATEWAY, SCOPE, 100 + i).build());
        }
        assertSameAsSdk(spans);
    }

    @Test
    void theEncoderIsReusedAcrossBatchesWithoutCarryingAnythingOver() {
        OtlpSpanEncoder encoder = new OtlpSpanEncoder();
        List<SpanData> big = List.of(span(GATEWAY, SCOPE, 1).build(), span(OTHER, SCOPE, 2).build());
        List<SpanData> small = List.of(span(GATEWAY, BARE_SCOPE, 3).build());
        encoder.encode(big);
        assertThat(parse(encoded(encoder, small))).isEqualTo(parse(sdk(small)));
    }

    private static TestSpanData.Builder span(Resource resource, InstrumentationScopeInfo scope, int n) {
        String spanId = String.format("%016x", 0x1000L + n);
        return TestSpanData.builder()
                .setResource(resource)
                .setInstrumentationScopeInfo(scope)
                .setSpanContext(SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736", spanId,
                        TraceFlags.getSampled(), TraceState.getDefault()))
                .setName("append data.quotes.BINANCE.BTCUSDT")
                .setKind(SpanKind.CLIENT)
                .setStartEpochNanos(1_700_000_000_000_000_000L + n)
                .setEndEpochNanos(1_700_000_000_000_100_000L + n)
                .setAttributes(Attributes.builder()
                        .put("messaging.system", "tidegate")
                        .put("messaging.destination.name", "data.quotes.BINANCE.BTCUSDT")
                        .put("messaging.operation.type", "send")
                        .put("messaging.batch.message_count", 17L)
                        .build())
                .setTotalAttributeCount(4)
                .setStatus(StatusData.unset())
                .setHasEnded(true);
    }

    /** Both encodings, read back and flattened to (resource, scope, span) rows in span order. */
    private static void assertSameAsSdk(List<SpanData> spans) {
        byte[] ours = encoded(new OtlpSpanEncoder(), spans);
        assertThat(rows(parse(ours))).hasSize(spans.size()).isEqualTo(rows(parse(sdk(spans))));
    }

    private static byte[] encoded(OtlpSpanEncoder encoder, List<SpanData> spans) {
        int length = encoder.encode(spans);
        return Arrays.copyOf(encoder.buffer(), length);
    }

    private static List<String> rows(ExportTraceServiceRequest request) {
        List<String> rows = new ArrayList<>();
        for (ResourceSpans rs : request.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                ss.getSpansList().forEach(span -> rows.add(rs.toBuilder().clearScopeSpans().build() + "|"
                        + ss.toBuilder().clearSpans().build() + "|" + span));
            }
        }
        rows.sort(Comparator.naturalOrder());
        return rows;
    }

    private static byte[] sdk(List<SpanData> spans) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            TraceRequestMarshaler.create(spans).writeBinaryTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ExportTraceServiceRequest parse(byte[] bytes) {
        try {
            return ExportTraceServiceRequest.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not a valid ExportTraceServiceRequest", e);
        }
    }
}
