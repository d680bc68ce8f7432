package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tidegate.proto.v1.PublishAck;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class PublishPipelineTest {

    private final Logger log = (Logger) LoggerFactory.getLogger(PublishPipeline.class);
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private PublishPipeline pipeline;

    @BeforeEach
    void start() {
        events.start();
        log.addAppender(events);
        ClientSettings settings = TidegateClient.builder().endpoints("127.0.0.1:1").settings();
        pipeline = new PublishPipeline(settings, new AtomicLong(), Runnable::run, scheduler);
    }

    @AfterEach
    void stop() {
        log.detachAppender(events);
        scheduler.shutdownNow();
    }

    @Test
    void anAckForAFrameNobodySentIsWarnedAbout() {
        pipeline.onAck(7, PublishAck.getDefaultInstance());

        assertThat(warnings()).containsExactly("PublishAck for unknown frame 7; ignored");
    }

    @Test
    void anAckArrivingAfterCloseGaveUpOnItsFrameIsNoWarning() {
        pipeline.close(Duration.ZERO);

        pipeline.onAck(7, PublishAck.getDefaultInstance());

        assertThat(warnings()).isEmpty();
    }

    private java.util.List<String> warnings() {
        return events.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }
}
