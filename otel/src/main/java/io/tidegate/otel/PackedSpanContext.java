package io.tidegate.otel;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A sampled span context held as three longs, for spans recorded on a hot path: making one costs
 * no hex string, and the W3C {@code traceparent} header is read and written straight from and to
 * the longs. The hex ids the OpenTelemetry API asks for are made only when something reads them
 * (an exporter, off the hot path). The {@code tracestate}, when there is one, is kept as its header
 * text and parsed only when read. Immutable, thread-safe.
 */
public final class PackedSpanContext implements SpanContext {

    /** {@code 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>}. */
    private static final int TRACEPARENT_LENGTH = 55;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final long traceIdHigh;
    private final long traceIdLow;
    private final long spanId;
    private final String traceState;
    private final boolean remote;

    private PackedSpanContext(long traceIdHigh, long traceIdLow, long spanId, String traceState, boolean remote) {
        this.traceIdHigh = traceIdHigh;
        this.traceIdLow = traceIdLow;
        this.spanId = spanId;
        this.traceState = traceState;
        this.remote = remote;
    }

    /** The context of a new span in a new trace (random ids). */
    public static PackedSpanContext newTrace() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high;
        long low;
        do {
            high = random.nextLong();
            low = random.nextLong();
        } while (high == 0 && low == 0);
        return new PackedSpanContext(high, low, newSpanId(random), null, false);
    }

    /** The context of a new span in this context's trace: same trace id and trace state, a new span id. */
    public PackedSpanContext newChild() {
        return new PackedSpanContext(traceIdHigh, traceIdLow, newSpanId(ThreadLocalRandom.current()), traceState, false);
    }

    /**
     * The sampled remote context a {@code traceparent} header names, with {@code traceState} (the
     * {@code tracestate} header, or null); null when the header is malformed, names an invalid
     * trace or span id, or is not sampled. Follows W3C Trace Context: lowercase hex, version
     * {@code ff} invalid, a later version may append fields after a dash.
     */
    public static PackedSpanContext fromTraceParent(String header, String traceState) {
        if (header == null || header.length() < TRACEPARENT_LENGTH
                || header.charAt(2) != '-' || header.charAt(35) != '-' || header.charAt(52) != '-') {
            return null;
        }
        long version = hex(header, 0, 2);
        long flags = hex(header, 53, 55);
        if (version < 0 || version == 0xff || flags < 0 || (flags & 1) == 0
                || (version == 0 ? header.length() != TRACEPARENT_LENGTH
                        : header.length() > TRACEPARENT_LENGTH && header.charAt(TRACEPARENT_LENGTH) != '-')) {
            return null;
        }
        long h1 = hex(header, 3, 11), h2 = hex(header, 11, 19), l1 = hex(header, 19, 27), l2 = hex(header, 27, 35);
        long s1 = hex(header, 36, 44), s2 = hex(header, 44, 52);
        if ((h1 | h2 | l1 | l2 | s1 | s2) < 0 || (h1 | h2 | l1 | l2) == 0 || (s1 | s2) == 0) {
            return null;
        }
        long high = h1 << 32 | h2;
        long low = l1 << 32 | l2;
        long span = s1 << 32 | s2;
        return new PackedSpanContext(high, low, span, traceState == null || traceState.isEmpty() ? null : traceState, true);
    }

    /** A copy of another implementation's valid, sampled context (e.g. one extracted from gRPC metadata). */
    public static PackedSpanContext of(SpanContext other) {
        String trace = other.getTraceId();
        String span = other.getSpanId();
        return new PackedSpanContext(hex(trace, 0, 8) << 32 | hex(trace, 8, 16), hex(trace, 16, 24) << 32 | hex(trace, 24, 32),
                hex(span, 0, 8) << 32 | hex(span, 8, 16), traceStateHeader(other.getTraceState()), other.isRemote());
    }

    /** This context as a version-00 {@code traceparent} header, sampled. */
    public String toTraceParent() {
        byte[] b = new byte[TRACEPARENT_LENGTH];
        b[0] = '0';
        b[1] = '0';
        b[2] = '-';
        writeHex(b, 3, traceIdHigh);
        writeHex(b, 19, traceIdLow);
        b[35] = '-';
        writeHex(b, 36, spanId);
        b[52] = '-';
        b[53] = '0';
        b[54] = '1';
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** The {@code tracestate} header of this context, or null when it has none. */
    public String traceStateHeader() {
        return traceState;
    }

    /** The first 8 bytes of the trace id, big-endian (as an exporter writes them). */
    public long traceIdHigh() {
        return traceIdHigh;
    }

    /** The last 8 bytes of the trace id, big-endian. */
    public long traceIdLow() {
        return traceIdLow;
    }

    /** The span id's 8 bytes, big-endian. */
    public long spanIdBits() {
        return spanId;
    }

    @Override
    public String getTraceId() {
        byte[] b = new byte[32];
        writeHex(b, 0, traceIdHigh);
        writeHex(b, 16, traceIdLow);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String getSpanId() {
        byte[] b = new byte[16];
        writeHex(b, 0, spanId);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Override
    public TraceFlags getTraceFlags() {
        return TraceFlags.getSampled();
    }

    @Override
    public TraceState getTraceState() {
        if (traceState == null) {
            return TraceState.getDefault();
        }
        var b = TraceState.builder();
        // W3C list members, last first so that the builder (which puts each new one first) keeps the order
        String[] members = traceState.split(",");
        for (int i = members.length - 1; i >= 0; i--) {
            String member = members[i].trim();
            int eq = member.indexOf('=');
            if (eq > 0) {
                b.put(member.substring(0, eq), member.substring(eq + 1));
            }
        }
        return b.build();
    }

    /** Always: a packed context is made only from valid, sampled ids (and the API's check would parse the hex). */
    @Override
    public boolean isValid() {
        return true;
    }

    @Override
    public boolean isSampled() {
        return true;
    }

    @Override
    public boolean isRemote() {
        return remote;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpanContext other && other.getTraceId().equals(getTraceId())
                && other.getSpanId().equals(getSpanId()) && other.getTraceFlags().equals(getTraceFlags())
                && other.getTraceState().equals(getTraceState()) && other.isRemote() == remote;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(traceIdHigh ^ traceIdLow ^ spanId);
    }

    @Override
    public String toString() {
        return "PackedSpanContext{" + toTraceParent() + (remote ? ", remote" : "") + "}";
    }

    private static long newSpanId(ThreadLocalRandom random) {
        long id;
        do {
            id = random.nextLong();
        } while (id == 0);
        return id;
    }

    private static String traceStateHeader(TraceState state) {
        if (state.isEmpty()) {
            return null;
        }
        StringBuilder s = new StringBuilder();
        state.forEach((key, value) -> s.append(s.length() == 0 ? "" : ",").append(key).append('=').append(value));
        return s.toString();
    }

    private static void writeHex(byte[] b, int at, long value) {
        for (int i = 15; i >= 0; i--) {
            b[at + i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
    }

    /** The value of lowercase hex digits {@code [from, to)} (at most 8 of them, so never negative), or -1 if one is not. */
    private static long hex(String s, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = digit(s.charAt(i));
            if (d < 0) {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }

    private static int digit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }
}
