package io.tidegate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Streams opening and ending are summed into one INFO line per interval, and only when any did. */
class StreamActivityLogTest {

    @Test
    void summarisesAnIntervalWithActivityAndStaysQuietOtherwise() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger logger = context.getLogger(StreamActivityLog.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.setContext(context);
        events.start();
        logger.addAppender(events);
        try {
            StreamActivityLog activity = new StreamActivityLog();
            for (int i = 0; i < 2000; i++) {
                activity.opened();
            }
            for (int i = 0; i < 1990; i++) {
                activity.ended();
            }
            assertThat(activity.report(10, Duration.ofMinutes(1))).isTrue();
            assertThat(activity.report(10, Duration.ofMinutes(1))).isFalse();
            activity.ended();
            assertThat(activity.report(9, Duration.ofMinutes(1))).isTrue();
        } finally {
            logger.detachAppender(events);
        }
        assertThat(events.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "streams: 10 open; 2000 opened and 1990 ended in the last 60 s (per-stream lines at DEBUG)",
                "streams: 9 open; 0 opened and 1 ended in the last 60 s (per-stream lines at DEBUG)");
    }
}
