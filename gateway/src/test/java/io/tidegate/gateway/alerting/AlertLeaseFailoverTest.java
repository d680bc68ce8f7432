package io.tidegate.gateway.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.GatewayProcess;
import io.tidegate.gateway.config.ConfigLoader;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas on one real Redis: one in its own JVM, killed with SIGKILL (so it cannot hand its
 * lease back), one in this process. One evaluates at a time; the survivor takes over once the
 * lease runs out, and the webhook hears about every alert once.
 */
class AlertLeaseFailoverTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void theSurvivorTakesOverTheLeaseAndNothingIsNotifiedTwice() throws Exception {
        try (RedisServer redis = RedisServer.start(); WebhookReceiver receiver = new WebhookReceiver()) {
            Path file = dir.resolve("tidegate.conf");
            Files.writeString(file, """
                    tidegate.ops.alerts {
                      defaults-enabled = false
                      evaluation-interval = 100ms
                      lease-time = 2s
                      route = [[log, webhook]]
                      webhook.url = "%s"
                      rules = [ { name = WorkersRunning, condition = above, metric = tidegate_workers, threshold = 0,
                                  resolve-after = 0s, severity = info } ]
                    }
                    """.formatted(receiver.url()));
            String[] shared = {"backend.type=redis", "backend.redis.uri=" + redis.uri(), "resilience.enabled=false"};
            try (GatewayProcess first = GatewayProcess.start("--config", file.toString(), "--gateway-id=replica-a",
                    "--" + shared[0], "--" + shared[1], "--" + shared[2])) {
                await().atMost(WAIT).until(() -> redis.commandText("GET tg:{alerts}:lease").startsWith("replica-a:"));
                try (EmbeddedGateway second = EmbeddedGateway.start(ConfigLoader.load(file, Map.of(), List.of(
                        "grpc.host=127.0.0.1", "grpc.port=0", "http.port=0", "gateway-id=replica-b",
                        shared[0], shared[1], shared[2])))) {
                    // the holder notifies about what holds on both replicas
                    await().atMost(WAIT).until(() -> firingByGateway(receiver).keySet().containsAll(List.of("replica-a", "replica-b")));
                    assertThat(second.alerting().leading()).isFalse();
                    assertThat(second.alerting().alerts()).as("a replica that does not evaluate lists the holder's alerts")
                            .hasSize(2);

                    first.kill();
                    await().atMost(WAIT).until(() -> second.alerting().leading());
                    assertThat(redis.commandText("GET tg:{alerts}:lease")).startsWith("replica-b:");
                    // the dead replica's condition is gone with it: its alert resolves, once
                    await().atMost(WAIT).until(() -> resolvedByGateway(receiver).containsKey("replica-a"));
                    long evaluated = second.alerting().evaluations();
                    await().atMost(WAIT).until(() -> second.alerting().evaluations() >= evaluated + 20);

                    assertThat(firingByGateway(receiver)).as("each alert fired once across both holders")
                            .isEqualTo(Map.of("replica-a", 1L, "replica-b", 1L));
                    assertThat(resolvedByGateway(receiver)).isEqualTo(Map.of("replica-a", 1L));
                }
            }
        }
    }

    private static Map<String, Long> firingByGateway(WebhookReceiver receiver) {
        return byGateway(receiver, "firing");
    }

    private static Map<String, Long> resolvedByGateway(WebhookReceiver receiver) {
        return byGateway(receiver, "resolved");
    }

    private static Map<String, Long> byGateway(WebhookReceiver receiver, String status) {
        return receiver.accepted().stream().flatMap(b -> b.getAsJsonArray("alerts").asList().stream())
                .map(a -> (JsonObject) a)
                .filter(a -> a.get("status").getAsString().equals(status))
                .collect(Collectors.groupingBy(a -> a.getAsJsonObject("labels").get("gateway").getAsString(),
                        Collectors.counting()));
    }
}
