package io.tidegate.gateway.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tidegate.gateway.EmbeddedGateway;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** grpc-java's and Netty's JUL records reach the gateway's log, a junk connection as one line. */
class GatewayLoggingTest {

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private Logger root;

    @BeforeEach
    void captureRoot() {
        events.setContext(context);
        events.start();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(events);
    }

    @AfterEach
    void release() {
        root.detachAppender(events);
    }

    @Test
    void julRecordsGoThroughLogback() {
        JulBridge.install();
        java.util.logging.Logger.getLogger("jul-bridge-test").warning("from JUL");
        assertThat(events.list).anyMatch(e -> e.getLoggerName().equals("jul-bridge-test")
                && e.getFormattedMessage().equals("from JUL"));
    }

    @Test
    void aConnectionThatIsNotHttp2CostsOneLineWithoutAStackTrace() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback()) {
            try (Socket junk = new Socket("127.0.0.1", gateway.grpcPort())) {
                OutputStream out = junk.getOutputStream();
                out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                junk.getInputStream().read(new byte[64]);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !transportLines().isEmpty());
            List<ILoggingEvent> lines = transportLines();
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0).getThrowableProxy()).isNull();
            assertThat(lines.get(0).getFormattedMessage()).contains("Transport failed").contains("HTTP/1.x request");
        }
    }

    private List<ILoggingEvent> transportLines() {
        synchronized (events) {
            return events.list.stream()
                    .filter(e -> e.getLoggerName().equals(TransportFailureLine.TRANSPORT_LOGGER))
                    .toList();
        }
    }
}
