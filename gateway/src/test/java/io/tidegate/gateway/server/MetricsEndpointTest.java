package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.group;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.testkit.RedisServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} scraped over real HTTP while real gRPC clients publish and subscribe: the
 * message counters, latency histograms, queue and client gauges move, per topic class and priority.
 */
class MetricsEndpointTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void seriesMoveUnderLoad() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith(
                "grpc.host=127.0.0.1", "grpc.port=0", "http.host=127.0.0.1", "http.port=0"))) {
            String before = scrape(gateway);
            assertThat(before).contains("# TYPE tidegate_queue_depth gauge")
                    .doesNotContain("tidegate_messages_in_total"); // a counter appears with its first message
            assertThat(value(before, "tidegate_clients_connected")).isEqualTo(0);
            assertThat(value(before, "tidegate_workers")).isEqualTo(1);
            assertThat(value(before, "tidegate_queue_depth", "priority=\"CRITICAL\"")).isEqualTo(0);

            try (FrameClient subscriber = FrameClient.connected(gateway.target());
                 FrameClient publisher = FrameClient.connected(gateway.target());
                 FrameClient member = FrameClient.connected(gateway.target())) {
                subscriber.await(subscriber.subscribe(broadcast("all", "load.>", "risk.>")));
                // a group member with credit for one message: the rest of risk.> is its group's lag
                member.await(member.subscribe(group("g", "risk-workers", "risk.>").setInitialCredit(1)));
                for (int frame = 0; frame < 10; frame++) {
                    Message[] batch = new Message[50];
                    for (int i = 0; i < batch.length; i++) {
                        batch[i] = i % 5 == 0
                                ? msg("risk.limits.acct" + frame, "r" + i, Priority.PRIORITY_CRITICAL)
                                : msg("load.quotes.BINANCE.BTCUSDT", "q" + i, Priority.PRIORITY_BULK);
                    }
                    publisher.await(publisher.publish(batch));
                }
                subscriber.awaitDeliveries("all", 500);

                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    String after = scrape(gateway);
                    assertThat(after).contains("# TYPE tidegate_messages_in_total counter",
                            "# TYPE tidegate_publish_to_deliver_duration_seconds histogram");
                    assertThat(value(after, "tidegate_messages_in_total", "topic_class=\"load\"", "priority=\"BULK\"")).isEqualTo(400);
                    assertThat(value(after, "tidegate_messages_in_total", "topic_class=\"risk\"", "priority=\"CRITICAL\"")).isEqualTo(100);
                    assertThat(value(after, "tidegate_messages_out_total", "topic_class=\"load\"", "priority=\"BULK\"")).isEqualTo(400);
                    assertThat(value(after, "tidegate_messages_out_total", "topic_class=\"risk\"", "priority=\"CRITICAL\"")).isEqualTo(101);
                    assertThat(value(after, "tidegate_consumer_lag", "group=\"risk-workers\"")).isEqualTo(99);
                    assertThat(value(after, "tidegate_publish_to_deliver_duration_seconds_count", "priority=\"BULK\"")).isEqualTo(400);
                    assertThat(value(after, "tidegate_publish_to_deliver_duration_seconds_bucket", "priority=\"CRITICAL\"", "le=\"+Inf\"")).isEqualTo(101);
                    assertThat(value(after, "tidegate_queue_delay_seconds_count", "priority=\"CRITICAL\"")).isEqualTo(100);
                    assertThat(value(after, "tidegate_clients_connected")).isEqualTo(3);
                });
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> value(scrape(gateway), "tidegate_clients_connected") == 0);
        }
    }

    @Test
    void redisGatewayReportsBreakerSpoolAndConsumerLag(@TempDir Path spool) throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith(
                "grpc.host=127.0.0.1", "grpc.port=0", "http.host=127.0.0.1", "http.port=0",
                "backend.redis.uri=" + REDIS.uri(), "resilience.spool.dir=" + spool,
                "otel.metrics.consumer-lag-interval=100ms"));
             FrameClient publisher = FrameClient.connected(gateway.target())) {
            String before = scrape(gateway);
            for (String breaker : new String[] {"append", "read"}) {
                String guarded = "breaker=\"" + breaker + "\"";
                assertThat(value(before, "tidegate_breaker_state", guarded, "state=\"closed\"")).as(breaker).isEqualTo(1);
                assertThat(value(before, "tidegate_breaker_state", guarded, "state=\"open\"")).as(breaker).isEqualTo(0);
            }
            assertThat(value(before, "tidegate_spool_size_bytes")).isEqualTo(0);
            assertThat(value(before, "tidegate_conflated_total")).isEqualTo(0);

            // a group that read nothing yet: its lag is every entry published since it was created
            try (FrameClient member = FrameClient.openSlow(gateway.target())) {
                member.send(io.tidegate.proto.v1.ConnectRequest.newBuilder().setHello(
                        io.tidegate.proto.v1.Hello.newBuilder().setClientName("lagging")));
                member.read(1);
                member.subscribe(group("g", "workers", "jobs.>").setInitialCredit(1));
                member.read(1);
                Message[] batch = new Message[40];
                Arrays.setAll(batch, i -> msg("jobs.build.x", "j" + i));
                publisher.await(publisher.publish(batch));
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(value(scrape(gateway), "tidegate_consumer_lag", "group=\"workers\"")).isGreaterThanOrEqualTo(39));
            }
        }
    }

    private String scrape(EmbeddedGateway gateway) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        return r.body();
    }

    /** The value of the one sample named {@code name} whose labels include all of {@code labels}; -1 when absent. */
    private static double value(String exposition, String name, String... labels) {
        double found = -1;
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + " ") || line.startsWith(name + "{"))) {
                continue;
            }
            if (Arrays.stream(labels).allMatch(line::contains)) {
                assertThat(found).as("two samples of %s match %s", name, Arrays.toString(labels)).isEqualTo(-1);
                found = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return found;
    }
}
