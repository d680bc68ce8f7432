package io.tidegate.gateway.monitoring;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Turns grpc-netty's "Stream Error ... Stream closed before write could take place" WARN (a stack
 * trace of some 40 lines) into one DEBUG line. grpc-netty logs it whenever a client resets a stream
 * while frames for it still wait for HTTP/2 flow control: a subscriber that cancels or closes while
 * the gateway is delivering to it, which is a normal end of a stream, not a fault of the gateway.
 * Other stream errors pass unchanged. Registered in {@code logback.xml}. Thread-safe (stateless).
 */
public final class ClientResetWriteLine extends TurboFilter {

    static final String SERVER_HANDLER_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler";
    static final String CLOSED_BEFORE_WRITE = "Stream closed before write could take place";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (t == null || !CLOSED_BEFORE_WRITE.equals(t.getMessage()) || !SERVER_HANDLER_LOGGER.equals(logger.getName())) {
            return FilterReply.NEUTRAL;
        }
        if (logger.isDebugEnabled()) {
            // logged again without the throwable, so this filter lets it through
            logger.log(marker, Logger.FQCN, Level.toLocationAwareLoggerInteger(Level.DEBUG),
                    "a client reset its stream while deliveries to it waited for flow control; they were dropped with the stream",
                    null, null);
        }
        return FilterReply.DENY;
    }
}
