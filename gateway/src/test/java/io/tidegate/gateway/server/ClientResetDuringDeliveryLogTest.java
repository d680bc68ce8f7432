package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A subscriber that resets its stream while deliveries wait for it costs a DEBUG line, not a WARN stack trace. */
class ClientResetDuringDeliveryLogTest {

    private final Logger handlerLog = (Logger) LoggerFactory.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private Level levelBefore;

    @BeforeEach
    void capture() {
        levelBefore = handlerLog.getLevel();
        handlerLog.setLevel(Level.DEBUG);
        events.start();
        handlerLog.addAppender(events);
    }

    @AfterEach
    void release() {
        handlerLog.detachAppender(events);
        handlerLog.setLevel(levelBefore);
    }

    @Test
    void aSubscriberResettingItsStreamMidDeliveryIsOneDebugLine() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback();
             FrameClient slow = FrameClient.openSlow(gateway.target());
             FrameClient pub = FrameClient.connected(gateway.target())) {
            slow.read(1);
            slow.await(slow.send(ConnectRequest.newBuilder().setHello(Hello.newBuilder().setClientName("slow"))));
            slow.read(1);
            slow.await(slow.subscribe(broadcast("s", "reset.topic").setInitialCredit(1_000_000)));
            String filler = "x".repeat(8 * 1024); // enough bytes to fill the transport windows
            for (int i = 0; i < 50; i++) {
                Message[] batch = new Message[20];
                for (int j = 0; j < batch.length; j++) {
                    batch[j] = msg("reset.topic", filler);
                }
                pub.await(pub.publish(batch));
            }

            slow.cancel();

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> lines(Level.DEBUG).stream().anyMatch(m -> m.contains("reset its stream")));
            assertThat(lines(Level.WARN)).isEmpty();
            pub.assertAlive();
        }
    }

    private List<String> lines(Level level) {
        synchronized (events) {
            return events.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}
