package io.tidegate.gateway.monitoring;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * Puts {@code trace_id} and {@code span_id} of the current OpenTelemetry span into the MDC of
 * every log event that will be written (and takes them out when no span is current), so text and
 * JSON log lines can be joined with traces. Registered in {@code logback.xml}; runs on the
 * logging thread before the event is built, so asynchronous appenders see the right ids.
 * Thread-safe (the MDC is per thread).
 */
public final class TraceContextMdc extends TurboFilter {

    public static final String TRACE_ID = "trace_id";
    public static final String SPAN_ID = "span_id";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == null || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
            return FilterReply.NEUTRAL; // not written: leave the MDC alone
        }
        SpanContext span = Span.current().getSpanContext();
        if (span.isValid()) {
            MDC.put(TRACE_ID, span.getTraceId());
            MDC.put(SPAN_ID, span.getSpanId());
        } else if (MDC.get(TRACE_ID) != null) {
            MDC.remove(TRACE_ID);
            MDC.remove(SPAN_ID);
        }
        return FilterReply.NEUTRAL;
    }
}
