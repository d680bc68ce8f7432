package io.tidegate.gateway.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Log events written while a span is current carry its ids in the MDC; others carry none. */
class TraceContextMdcTest {

    @Test
    void traceAndSpanIdsFollowTheCurrentSpan() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        assertThat(context.getTurboFilterList()).anyMatch(f -> f instanceof TraceContextMdc); // from logback.xml
        Logger logger = context.getLogger("mdc-test");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.setContext(context);
        events.start();
        logger.addAppender(events);
        try {
            SpanContext sc = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
                    TraceFlags.getSampled(), TraceState.getDefault());
            try (Scope ignored = Span.wrap(sc).makeCurrent()) {
                logger.info("inside");
            }
            logger.info("outside");
            logger.debug("not written, so the filter leaves the MDC alone");
        } finally {
            logger.detachAppender(events);
        }
        assertThat(events.list).hasSize(2);
        assertThat(events.list.get(0).getMDCPropertyMap())
                .containsEntry("trace_id", "0af7651916cd43dd8448eb211c80319c").containsEntry("span_id", "b7ad6b7169203331");
        assertThat(events.list.get(1).getMDCPropertyMap()).doesNotContainKeys("trace_id", "span_id");
    }
}
