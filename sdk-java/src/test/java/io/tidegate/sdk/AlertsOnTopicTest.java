package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK as a consumer of the gateway's alerts: a rule fires while a client is connected, and
 * the client reads the alert from {@code ops.alerts.critical} as JSON.
 */
class AlertsOnTopicTest {

    @TempDir
    Path dir;

    @Test
    void aClientReadsFiringAlertsFromTheOpsAlertsTopics() throws Exception {
        Path file = dir.resolve("tidegate.conf");
        Files.writeString(file, """
                tidegate.ops.alerts {
                  defaults-enabled = false
                  evaluation-interval = 50ms
                  route = [[log, topic]]
                  rules = [ { name = ClientsConnected, condition = above, metric = tidegate_clients_connected,
                              threshold = 0, severity = critical, summary = "{{value}} client(s) connected" } ]
                }
                """);
        try (EmbeddedGateway gateway = EmbeddedGateway.start(ConfigLoader.load(file, Map.of(),
                List.of("grpc.host=127.0.0.1", "grpc.port=0", "http.port=-1")));
             TidegateClient client = TidegateClient.builder().endpoints(gateway.target()).clientName("ops-console")
                     .build()) {
            List<ReceivedMessage> got = new CopyOnWriteArrayList<>();
            client.subscribe(SubscriptionOptions.builder().patterns("ops.alerts.*").start(SubscriptionStart.earliest())
                    .build(), got::add).confirmed().get();

            await().atMost(Duration.ofSeconds(30)).until(() -> !got.isEmpty());
            ReceivedMessage m = got.get(0);
            assertThat(m.message().getTopic()).isEqualTo("ops.alerts.critical");
            assertThat(m.message().getContentType()).isEqualTo("application/json");
            JsonObject alert = JsonParser.parseString(m.message().getPayload().toStringUtf8()).getAsJsonObject();
            assertThat(alert.get("status").getAsString()).isEqualTo("firing");
            assertThat(alert.get("name").getAsString()).isEqualTo("ClientsConnected");
            assertThat(alert.get("severity").getAsString()).isEqualTo("critical");
            assertThat(alert.getAsJsonObject("annotations").get("summary").getAsString()).isEqualTo("1 client(s) connected");
            assertThat(alert.get("fingerprint").getAsString()).isEqualTo(gateway.alerting().alerts().get(0).id());
        }
    }
}
