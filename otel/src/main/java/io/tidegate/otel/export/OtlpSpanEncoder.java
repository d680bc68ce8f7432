package io.tidegate.otel.export;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributeType;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.tidegate.otel.PackedSpanContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Encodes spans as an OTLP {@code ExportTraceServiceRequest} (opentelemetry-proto
 * {@code collector/trace/v1}) in one pass into a reused buffer: a nested message's length is
 * written after its body, into bytes reserved by a guess, and the body is moved when the guess
 * was wrong. Ids go from their hex form straight into the buffer and attribute keys are encoded
 * once, so a span costs about a third less than with the SDK's marshaling, which sizes every
 * field in a first pass before writing it in a second. Fields are written as the SDK writes them
 * (an unset status as an empty message, for one). Not thread-safe: one encoder per exporting
 * thread.
 */
public final class OtlpSpanEncoder {

    /** Encoded attribute keys; bounded, since an application may make keys up as it goes. */
    private static final Map<AttributeKey<?>, byte[]> KEYS = new ConcurrentHashMap<>();
    private static final int MAX_KEYS = 1024;

    private static final byte[] HEX = new byte[128];

    static {
        Arrays.fill(HEX, (byte) -1);
        for (int i = 0; i < 16; i++) {
            HEX["0123456789abcdef".charAt(i)] = (byte) i;
            HEX["0123456789ABCDEF".charAt(i)] = (byte) i;
        }
    }

    private byte[] buf = new byte[64 * 1024];
    private int pos;
    /** The field number of the attributes being written; {@link #writeAttribute} reads it (no lambda per call). */
    private int attributeField;
    private final BiConsumer<AttributeKey<?>, Object> writeAttribute = this::keyValue;

    /**
     * Encodes the request for these spans into {@link #buffer()}.
     *
     * @return its length: the request is the buffer's first that many bytes, until the next call
     */
    public int encode(Collection<SpanData> spans) {
        pos = 0;
        for (var resource : group(spans).entrySet()) {
            int rs = begin(1, 3); // ExportTraceServiceRequest.resource_spans
            int r = begin(1, 2); // ResourceSpans.resource
            attributes(1, resource.getKey().getAttributes());
            end(r, 2);
            for (var scope : resource.getValue().entrySet()) {
                scopeSpans(scope.getKey(), scope.getValue());
            }
            string(3, resource.getKey().getSchemaUrl());
            end(rs, 3);
        }
        return pos;
    }

    /** The buffer the last {@link #encode} wrote to (it grows, so ask after encoding). */
    public byte[] buffer() {
        return buf;
    }

    private static Map<Resource, Map<InstrumentationScopeInfo, List<SpanData>>> group(Collection<SpanData> spans) {
        Map<Resource, Map<InstrumentationScopeInfo, List<SpanData>>> groups = new IdentityHashMap<>();
        for (SpanData s : spans) {
            groups.computeIfAbsent(s.getResource(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(s.getInstrumentationScopeInfo(), k -> new ArrayList<>())
                    .add(s);
        }
        return groups;
    }

    private void scopeSpans(InstrumentationScopeInfo scope, List<SpanData> spans) {
        int ss = begin(2, 3); // ResourceSpans.scope_spans
        int sc = begin(1, 1); // ScopeSpans.scope
        string(1, scope.getName());
        string(2, scope.getVersion());
        attributes(3, scope.getAttributes());
        end(sc, 1);
        for (int i = 0; i < spans.size(); i++) {
            span(spans.get(i));
        }
        string(3, scope.getSchemaUrl());
        end(ss, 3);
    }

    private void span(SpanData s) {
        int sp = begin(2, 2); // ScopeSpans.spans
        SpanContext c = s.getSpanContext();
        traceId(1, c);
        spanId(2, c);
        traceState(3, c.getTraceState());
        SpanContext parent = s.getParentSpanContext();
        if (parent.isValid()) {
            spanId(4, parent);
        }
        string(5, s.getName());
        int kind = s.getKind().ordinal() + 1; // INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER: 1..5
        tag(6, 0);
        varint(kind);
        fixed64(7, s.getStartEpochNanos());
        fixed64(8, s.getEndEpochNanos());
        attributes(9, s.getAttributes());
        uint32(10, s.getTotalAttributeCount() - s.getAttributes().size());
        List<EventData> events = s.getEvents();
        for (int i = 0; i < events.size(); i++) {
            event(events.get(i));
        }
        uint32(12, s.getTotalRecordedEvents() - events.size());
        List<LinkData> links = s.getLinks();
        for (int i = 0; i < links.size(); i++) {
            link(links.get(i));
        }
        uint32(14, s.getTotalRecordedLinks() - links.size());
        status(s.getStatus());
        int flags = (c.getTraceFlags().asByte() & 0xff) | (parent.isRemote() ? 0x300 : 0x100);
        tag(16, 5);
        fixed32(flags);
        end(sp, 2);
    }

    private void event(EventData e) {
        int ev = begin(11, 1);
        fixed64(1, e.getEpochNanos());
        string(2, e.getName());
        attributes(3, e.getAttributes());
        uint32(4, e.getTotalAttributeCount() - e.getAttributes().size());
        end(ev, 1);
    }

    private void link(LinkData l) {
        int ln = begin(13, 1);
        SpanContext c = l.getSpanContext();
        traceId(1, c);
        spanId(2, c);
        traceState(3, c.getTraceState());
        attributes(4, l.getAttributes());
        uint32(5, l.getTotalAttributeCount() - l.getAttributes().size());
        tag(6, 5);
        fixed32((c.getTraceFlags().asByte() & 0xff) | (c.isRemote() ? 0x300 : 0x100));
        end(ln, 1);
    }

    /** Always written, empty when unset, as the SDK writes it. */
    private void status(StatusData status) {
        int st = begin(15, 1);
        string(2, status.getDescription());
        int code = switch (status.getStatusCode()) {
            case OK -> 1;
            case ERROR -> 2;
            case UNSET -> 0;
        };
        if (code != 0) {
            tag(3, 0);
            varint(code);
        }
        end(st, 1);
    }

    private void traceState(int field, TraceState state) {
        if (!state.isEmpty()) {
            StringBuilder w3c = new StringBuilder();
            state.forEach((k, v) -> w3c.append(w3c.length() == 0 ? "" : ",").append(k).append('=').append(v));
            string(field, w3c.toString());
        }
    }

    private void attributes(int field, Attributes attributes) {
        if (!attributes.isEmpty()) {
            attributeField = field;
            attributes.forEach(writeAttribute);
        }
    }

    private void keyValue(AttributeKey<?> key, Object value) {
        int kv = begin(attributeField, 1);
        byte[] k = KEYS.get(key);
        if (k == null) {
            k = key.getKey().getBytes(StandardCharsets.UTF_8);
            if (KEYS.size() < MAX_KEYS) {
                KEYS.put(key, k);
            }
        }
        tag(1, 2);
        varint(k.length);
        raw(k);
        int v = begin(2, 1); // KeyValue.value (AnyValue)
        anyValue(key.getType(), value);
        end(v, 1);
        end(kv, 1);
    }

    private void anyValue(AttributeType type, Object value) {
        switch (type) {
            case STRING -> stringAlways(1, (String) value);
            case BOOLEAN -> {
                tag(2, 0);
                varint((Boolean) value ? 1 : 0);
            }
            case LONG -> {
                tag(3, 0);
                varint64((Long) value);
            }
            case DOUBLE -> {
                tag(4, 1);
                fixed64Raw(Double.doubleToRawLongBits((Double) value));
            }
            case STRING_ARRAY -> array(AttributeType.STRING, (List<?>) value);
            case BOOLEAN_ARRAY -> array(AttributeType.BOOLEAN, (List<?>) value);
            case LONG_ARRAY -> array(AttributeType.LONG, (List<?>) value);
            case DOUBLE_ARRAY -> array(AttributeType.DOUBLE, (List<?>) value);
            default -> stringAlways(1, String.valueOf(value));
        }
    }

    private void array(AttributeType elementType, List<?> values) {
        int arr = begin(5, 2); // AnyValue.array_value
        for (Object element : values) {
            int av = begin(1, 1); // ArrayValue.values
            anyValue(elementType, element);
            end(av, 1);
        }
        end(arr, 2);
    }

    // --- protobuf wire format

    /** Writes the tag of a length-delimited field and reserves {@code guess} bytes for its length. */
    private int begin(int field, int guess) {
        tag(field, 2);
        ensure(guess);
        pos += guess;
        return pos;
    }

    /** Writes the length of the field begun at {@code start}, moving its body if the guess was wrong. */
    private void end(int start, int guess) {
        int length = pos - start;
        int size = varintSize(length);
        if (size != guess) {
            ensure(size - guess);
            System.arraycopy(buf, start, buf, start - guess + size, length);
            pos += size - guess;
        }
        int p = start - guess;
        int v = length;
        while ((v & ~0x7f) != 0) {
            buf[p++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf[p] = (byte) v;
    }

    private static int varintSize(int v) {
        return v < 1 << 7 ? 1 : v < 1 << 14 ? 2 : v < 1 << 21 ? 3 : v < 1 << 28 ? 4 : 5;
    }

    private void tag(int field, int wireType) {
        varint(field << 3 | wireType);
    }

    private void varint(int v) {
        ensure(5);
        while ((v & ~0x7f) != 0) {
            buf[pos++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    private void varint64(long v) {
        ensure(10);
        while ((v & ~0x7fL) != 0) {
            buf[pos++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    private void uint32(int field, int v) {
        if (v != 0) {
            tag(field, 0);
            varint(v);
        }
    }

    private void fixed64(int field, long v) {
        if (v != 0) {
            tag(field, 1);
            fixed64Raw(v);
        }
    }

    private void fixed64Raw(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[pos++] = (byte) (v >>> (8 * i));
        }
    }

    private void fixed32(int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            buf[pos++] = (byte) (v >>> (8 * i));
        }
    }

    private void string(int field, String s) {
        if (s != null && !s.isEmpty()) {
            stringAlways(field, s);
        }
    }

    /** The JDK's UTF-8 encoding: for a Latin-1 string of ASCII, one intrinsic check and array copy. */
    private void stringAlways(int field, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        tag(field, 2);
        varint(utf8.length);
        raw(utf8);
    }

    /** The context's trace id; a {@link PackedSpanContext}'s from its longs, without the hex round trip. */
    private void traceId(int field, SpanContext c) {
        if (c instanceof PackedSpanContext p) {
            tag(field, 2);
            varint(16);
            bigEndian(p.traceIdHigh());
            bigEndian(p.traceIdLow());
        } else {
            hexBytes(field, c.getTraceId(), 16);
        }
    }

    private void spanId(int field, SpanContext c) {
        if (c instanceof PackedSpanContext p) {
            tag(field, 2);
            varint(8);
            bigEndian(p.spanIdBits());
        } else {
            hexBytes(field, c.getSpanId(), 8);
        }
    }

    private void bigEndian(long v) {
        ensure(8);
        for (int i = 7; i >= 0; i--) {
            buf[pos++] = (byte) (v >>> (8 * i));
        }
    }

    private void hexBytes(int field, String hex, int bytes) {
        tag(field, 2);
        varint(bytes);
        ensure(bytes);
        for (int i = 0; i < bytes; i++) {
            buf[pos++] = (byte) (HEX[hex.charAt(2 * i) & 0x7f] << 4 | HEX[hex.charAt(2 * i + 1) & 0x7f]);
        }
    }

    private void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }
}
