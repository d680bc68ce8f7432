package io.tidegate.gateway.monitoring;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Turns grpc-netty's "Transport failed" events (a stack trace of some 20 lines for every
 * connection that is not HTTP/2, e.g. a port scanner or an HTTP/1 health check) into one line
 * naming the cause, written to the same logger at the same level. Registered in
 * {@code logback.xml}. Thread-safe (stateless).
 */
public final class TransportFailureLine extends TurboFilter {

    static final String TRANSPORT_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport.connections";
    private static final int MAX_CAUSE_CHARS = 200;

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (t == null || !TRANSPORT_LOGGER.equals(logger.getName())) {
            return FilterReply.NEUTRAL;
        }
        if (level != null && level.isGreaterOrEqual(logger.getEffectiveLevel())) {
            // logged again without the throwable, so this filter lets it through
            logger.log(marker, Logger.FQCN, Level.toLocationAwareLoggerInteger(level),
                    "{} ({}; one line per failed connection)", new Object[] {format, oneLine(t)}, null);
        }
        return FilterReply.DENY;
    }

    static String oneLine(Throwable t) {
        String text = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        text = text.replaceAll("\\s+", " ").trim();
        return text.length() <= MAX_CAUSE_CHARS ? text : text.substring(0, MAX_CAUSE_CHARS) + "...";
    }
}
