package io.tidegate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code remediation.shed-at-spool} and the report of what it cannot fix, against a real
 * redis-server that is stopped so the gateway spools publishes to disk: past 90 % of the spool
 * BULK publishes are refused RESOURCE_EXHAUSTED saying why, past 95 % LOW ones too, while NORMAL
 * and CRITICAL ones are still accepted; once Redis is back and the spool drained below 80 %, BULK
 * is accepted again. The unreachable Redis itself is reported, not fixed.
 */
class LowClassesAreShedWhileTheSpoolIsNearlyFullTest {

    private static final ByteString KIB = ByteString.copyFrom(new byte[1024]);
    private final AtomicLong ids = new AtomicLong();

    @TempDir
    Path spool;

    @Test
    void bulkThenLowAreRefusedAsTheSpoolFillsAndAcceptedAgainOnceItDrained() throws Exception {
        RedisServer redis = RedisServer.start();
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("http.port=0", "backend.redis.uri=" + redis.uri(),
                "resilience.spool.dir=" + spool, "resilience.spool.max-bytes=1048576",
                "resilience.spool.segment-bytes=65536", "remediation.check-interval=50ms",
                "remediation.report-after=500ms");
             FrameClient pub = FrameClient.connected(gateway.target())) {
            assertThat(publish(pub, Priority.PRIORITY_BULK).hasError()).as("BULK accepted with Redis up").isFalse();
            redis.kill();

            fillSpoolPast(pub, gateway, 90.5);
            await().atMost(Duration.ofSeconds(60)).until(() -> publish(pub, Priority.PRIORITY_BULK).hasError());
            PublishResult bulk = publish(pub, Priority.PRIORITY_BULK);
            assertThat(Status.fromCodeValue(bulk.getError().getCode()).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(bulk.getError().getMessage()).contains("shedding").contains("spool is nearly full");
            if (fillPercent(gateway) < 95) {
                assertThat(publish(pub, Priority.PRIORITY_LOW).hasError()).as("LOW accepted below 95 %").isFalse();
            }
            assertThat(publish(pub, Priority.PRIORITY_NORMAL).hasError()).isFalse();
            assertThat(publish(pub, Priority.PRIORITY_CRITICAL).hasError()).isFalse();

            fillSpoolPast(pub, gateway, 95.5);
            await().atMost(Duration.ofSeconds(60)).until(() -> publish(pub, Priority.PRIORITY_LOW).hasError());
            assertThat(publish(pub, Priority.PRIORITY_LOW).getError().getMessage()).contains("LOW and BULK");
            assertThat(publish(pub, Priority.PRIORITY_NORMAL).hasError()).isFalse();
            assertThat(RemediationScrape.actions(gateway, "shed-at-spool", "done")).isEqualTo(2);

            await().atMost(Duration.ofSeconds(60)).until(() -> RemediationScrape.actions(gateway, "report", "reported") >= 1);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(RemediationScrape.state(gateway))
                    .contains("\"outcome\":\"reported\"").contains("no automatic action for this"));

            redis.restart();
            await().atMost(Duration.ofSeconds(120)).until(() -> fillPercent(gateway) < 80);
            await().atMost(Duration.ofSeconds(60)).until(() -> !publish(pub, Priority.PRIORITY_BULK).hasError());
            assertThat(publish(pub, Priority.PRIORITY_LOW).hasError()).isFalse();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(RemediationScrape.state(gateway))
                    .contains("\"outcome\":\"ended\""));
        } finally {
            redis.close();
        }
    }

    /** Publishes CRITICAL messages of 1 KiB, a few at a time, until the spool holds more than {@code percent}. */
    private void fillSpoolPast(FrameClient pub, EmbeddedGateway gateway, double percent) throws Exception {
        while (fillPercent(gateway) <= percent) {
            Message[] batch = new Message[4];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = message(Priority.PRIORITY_CRITICAL);
            }
            pub.await(pub.publish(batch)).getPublishAck().getResultsList()
                    .forEach(r -> assertThat(r.hasError()).as("CRITICAL refused: %s", r.getError()).isFalse());
        }
    }

    private PublishResult publish(FrameClient pub, Priority priority) {
        return pub.await(pub.publish(message(priority))).getPublishAck().getResults(0);
    }

    private Message message(Priority priority) {
        return Message.newBuilder().setTopic("shed.t").setId("m-" + ids.incrementAndGet()).setPriority(priority)
                .setPayload(KIB).build();
    }

    /** The spool's fill as of now (the console's snapshot may be a push interval old). */
    private static double fillPercent(EmbeddedGateway gateway) throws Exception {
        double ratio = RemediationScrape.gauge(gateway, "tidegate_spool_fill_ratio");
        assertThat(ratio).as("tidegate_spool_fill_ratio on /metrics").isNotNaN();
        return ratio * 100;
    }
}
