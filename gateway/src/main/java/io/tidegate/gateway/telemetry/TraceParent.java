package io.tidegate.gateway.telemetry;

/**
 * Reads the sampled flag of a W3C {@code traceparent} ({@code 00-<trace-id>-<span-id>-<flags>})
 * without parsing it into a context, so unsampled messages cost one character check. Stateless.
 */
final class TraceParent {

    private static final int LENGTH = 55;

    private TraceParent() {
    }

    /** True when the header is well-formed enough to have flags and the sampled bit is set. */
    static boolean isSampled(String traceparent) {
        if (traceparent.length() < LENGTH) {
            return false;
        }
        int digit = Character.digit(traceparent.charAt(LENGTH - 1), 16);
        return digit >= 0 && (digit & 1) == 1;
    }
}
