package io.tidegate.gateway.monitoring;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import io.tidegate.gateway.config.GatewayConfig;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Switches the gateway's console log to one JSON object per line ({@code otel.log-format = json})
 * using logback's {@link JsonEncoder}, which carries the MDC ({@code trace_id}, {@code span_id}).
 * Does nothing with text (the default) or when logback is not the SLF4J backend. Called once at
 * start, before the gateway logs.
 */
public final class LogFormat {

    private LogFormat() {
    }

    public static void apply(GatewayConfig.LogFormat format) {
        if (format != GatewayConfig.LogFormat.JSON || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> console
                    && !(console.getEncoder() instanceof JsonEncoder)) {
                JsonEncoder json = new JsonEncoder();
                json.setContext(context);
                // one readable "formattedMessage" instead of the pattern and its arguments
                json.setWithFormattedMessage(true);
                json.setWithMessage(false);
                json.setWithArguments(false);
                json.setWithContext(false);
                json.setWithSequenceNumber(false);
                json.setWithNanoseconds(false);
                json.start();
                console.stop();
                console.setEncoder(json);
                console.start();
            }
        }
    }
}
