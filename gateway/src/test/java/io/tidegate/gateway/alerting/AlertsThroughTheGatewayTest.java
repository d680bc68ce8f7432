package io.tidegate.gateway.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alerts on a real gateway (memory backend) through its admin port, with a real HTTP server as
 * the webhook receiver. The condition is a gauge the test sets ({@code test_knob}), registered on
 * the gateway's own meter provider and read through the same Prometheus reader as every rule.
 */
class AlertsThroughTheGatewayTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicLong knob = new AtomicLong();
    private WebhookReceiver receiver;
    private EmbeddedGateway gateway;

    @BeforeEach
    void receiver() throws Exception {
        receiver = new WebhookReceiver();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        receiver.close();
    }

    /** A gateway with one rule on the knob: above 0 for {@code forDuration}, with this route. */
    private void start(String forDuration, String route, String escalateAfter) throws Exception {
        start(forDuration, route, escalateAfter, "500ms");
    }

    private void start(String forDuration, String route, String escalateAfter, String resolveAfter) throws Exception {
        Path file = dir.resolve("tidegate.conf");
        Files.writeString(file, """
                tidegate.ops.alerts {
                  defaults-enabled = false
                  evaluation-interval = 50ms
                  route = %s
                  webhook { url = "%s", initial-backoff = 20ms }
                  rules = [ { name = KnobHigh, condition = above, metric = test_knob, threshold = 0, for = %s,
                              resolve-after = %s, severity = warning, summary = "knob at {{value}}", escalate-after = %s,
                              labels { team = desk } } ]
                }
                """.formatted(route, receiver.url(), forDuration, resolveAfter, escalateAfter));
        gateway = EmbeddedGateway.start(ConfigLoader.load(file, Map.of(),
                List.of("grpc.host=127.0.0.1", "grpc.port=0", "http.port=0")));
        gateway.telemetry().getMeterProvider().get("test").gaugeBuilder("test.knob").ofLongs()
                .buildWithCallback(m -> m.record(knob.get()));
    }

    private JsonArray alerts() throws Exception {
        HttpResponse<String> r = send("GET", "/api/alerts", null);
        assertThat(r.statusCode()).isEqualTo(200);
        return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("alerts");
    }

    private JsonObject onlyAlert() throws Exception {
        JsonArray all = alerts();
        assertThat(all).hasSize(1);
        return all.get(0).getAsJsonObject();
    }

    private String stateOfOnlyAlert() throws Exception {
        JsonArray all = alerts();
        return all.isEmpty() ? "none" : all.get(0).getAsJsonObject().get("state").getAsString();
    }

    private HttpResponse<String> send(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path));
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until the evaluating thread has made {@code n} more evaluations. */
    private void evaluations(int n) {
        long target = gateway.alerting().evaluations() + n;
        await().atMost(WAIT).until(() -> gateway.alerting().evaluations() >= target);
    }

    @Test
    void anAlertIsPendingForItsForDurationThenFiresToTheWebhookThenResolves() throws Exception {
        start("3s", "[[log, webhook]]", "5m");
        knob.set(7);
        await().atMost(WAIT).until(() -> !alerts().isEmpty());
        JsonObject pending = onlyAlert();
        assertThat(pending.get("state").getAsString()).isEqualTo("pending");
        assertThat(receiver.accepted()).isEmpty();

        await().atMost(WAIT).until(() -> stateOfOnlyAlert().equals("firing"));
        await().atMost(WAIT).until(() -> receiver.count("KnobHigh", "firing") == 1);
        JsonObject body = receiver.accepted().get(0);
        assertThat(body.get("version").getAsString()).isEqualTo("4");
        assertThat(body.get("status").getAsString()).isEqualTo("firing");
        assertThat(body.getAsJsonObject("groupLabels").get("alertname").getAsString()).isEqualTo("KnobHigh");
        JsonObject alert = body.getAsJsonArray("alerts").get(0).getAsJsonObject();
        assertThat(alert.keySet()).contains("status", "labels", "annotations", "startsAt", "endsAt", "fingerprint");
        assertThat(alert.get("fingerprint").getAsString()).isEqualTo(pending.get("id").getAsString());
        assertThat(alert.getAsJsonObject("labels").get("team").getAsString()).isEqualTo("desk");
        assertThat(alert.getAsJsonObject("annotations").get("summary").getAsString()).isEqualTo("knob at 7");
        Instant pendingSince = Instant.parse(pending.get("since").getAsString());
        Instant startsAt = Instant.parse(alert.get("startsAt").getAsString());
        assertThat(Duration.between(pendingSince, startsAt)).as("fired only after its for duration")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(3));

        evaluations(10);
        assertThat(receiver.count("KnobHigh", "firing")).as("one series, one notification").isEqualTo(1);
        assertThat(alerts()).hasSize(1);

        knob.set(0);
        await().atMost(WAIT).until(() -> stateOfOnlyAlert().equals("resolved"));
        await().atMost(WAIT).until(() -> receiver.count("KnobHigh", "resolved") == 1);
        JsonObject resolved = receiver.accepted().get(1).getAsJsonArray("alerts").get(0).getAsJsonObject();
        assertThat(Instant.parse(resolved.get("endsAt").getAsString())).isAfterOrEqualTo(startsAt);
    }

    @Test
    void theApiListsAlertsInTheDashboardsShapeAndAcknowledgesThem() throws Exception {
        start("0s", "[[log]]", "5m", "1h");
        knob.set(1);
        await().atMost(WAIT).until(() -> stateOfOnlyAlert().equals("firing"));
        JsonObject alert = onlyAlert();
        assertThat(alert.keySet()).containsExactlyInAnyOrder("id", "name", "severity", "state", "labels", "summary",
                "since", "resolvingSince", "acknowledged", "acknowledgedBy");
        assertThat(alert.get("resolvingSince").getAsString()).as("its condition holds").isEmpty();
        assertThat(alert.get("name").getAsString()).isEqualTo("KnobHigh");
        assertThat(alert.get("severity").getAsString()).isEqualTo("warning");
        assertThat(alert.get("acknowledged").getAsBoolean()).isFalse();
        assertThat(alert.getAsJsonObject("labels").get("gateway").getAsString()).isEqualTo(gateway.config().gatewayId());

        String id = alert.get("id").getAsString();
        HttpResponse<String> acked = send("POST", "/api/alerts/" + id + "/ack", "{\"by\":\"carol\"}");
        assertThat(acked.statusCode()).isEqualTo(200);
        JsonObject ackedAlert = JsonParser.parseString(acked.body()).getAsJsonObject();
        assertThat(ackedAlert.get("acknowledged").getAsBoolean()).isTrue();
        assertThat(ackedAlert.get("acknowledgedBy").getAsString()).isEqualTo("carol");
        assertThat(onlyAlert().get("acknowledgedBy").getAsString()).isEqualTo("carol");

        // the condition stops holding: under its resolve-after of 1h it stays firing, acknowledged, resolving since then
        knob.set(0);
        await().atMost(WAIT).until(() -> !onlyAlert().get("resolvingSince").getAsString().isEmpty());
        JsonObject resolving = onlyAlert();
        assertThat(resolving.get("state").getAsString()).isEqualTo("firing");
        assertThat(resolving.get("acknowledgedBy").getAsString()).isEqualTo("carol");
        assertThat(Instant.parse(resolving.get("resolvingSince").getAsString()))
                .isAfterOrEqualTo(Instant.parse(resolving.get("since").getAsString()));

        assertThat(send("POST", "/api/alerts/0123456789abcdef/ack", null).statusCode()).isEqualTo(404);
        assertThat(send("POST", "/api/silences", "{\"matchers\":{}}").statusCode()).isEqualTo(400);
    }

    @Test
    void aSilencedAlertFiresWithoutNotificationsUntilTheSilenceIsRemoved() throws Exception {
        start("0s", "[[log, webhook]]", "5m");
        HttpResponse<String> created = send("POST", "/api/silences",
                "{\"matchers\":{\"alertname\":\"KnobHigh\"},\"duration\":\"1h\",\"comment\":\"venue maintenance\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        String silenceId = JsonParser.parseString(created.body()).getAsJsonObject().get("id").getAsString();
        JsonArray silences = JsonParser.parseString(send("GET", "/api/silences", null).body()).getAsJsonObject()
                .getAsJsonArray("silences");
        assertThat(silences).hasSize(1);
        assertThat(silences.get(0).getAsJsonObject().get("comment").getAsString()).isEqualTo("venue maintenance");

        knob.set(1);
        await().atMost(WAIT).until(() -> stateOfOnlyAlert().equals("firing"));
        evaluations(10);
        assertThat(receiver.requests()).as("silenced: nothing sent").isZero();

        assertThat(send("DELETE", "/api/silences/" + silenceId, null).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> receiver.count("KnobHigh", "firing") == 1);
    }

    @Test
    void anUnacknowledgedAlertIsEscalatedToTheNextLevelOfItsRoute() throws Exception {
        start("0s", "[[log], [log, webhook]]", "1s");
        knob.set(1);
        await().atMost(WAIT).until(() -> stateOfOnlyAlert().equals("firing"));
        assertThat(receiver.requests()).as("level 0 has no webhook").isZero();
        await().atMost(WAIT).until(() -> receiver.count("KnobHigh", "firing") == 1);
        JsonObject escalated = receiver.accepted().get(0).getAsJsonArray("alerts").get(0).getAsJsonObject();
        assertThat(escalated.getAsJsonObject("annotations").get("level").getAsString()).isEqualTo("1");
    }

    @Test
    void anAcknowledgedAlertIsNotEscalated() throws Exception {
        start("0s", "[[log], [log, webhook]]", "4s");
        knob.set(1);
        await().atMost(WAIT).until(() -> stateOfOnlyAlert().equals("firing"));
        String id = onlyAlert().get("id").getAsString();
        assertThat(send("POST", "/api/alerts/" + id + "/ack", null).statusCode()).isEqualTo(200);
        Instant escalationWouldBe = Instant.parse(onlyAlert().get("since").getAsString()).plusSeconds(4);
        await().atMost(WAIT).until(() -> Instant.now().isAfter(escalationWouldBe));
        evaluations(10);
        assertThat(receiver.requests()).as("acknowledged: not escalated").isZero();
        assertThat(onlyAlert().get("acknowledgedBy").getAsString()).isEqualTo("admin");
    }

    @Test
    void theWebhookIsRetriedWithBackoffUntilTheReceiverTakesIt() throws Exception {
        receiver.failNext(2);
        start("0s", "[[webhook]]", "5m");
        knob.set(1);
        await().atMost(WAIT).until(() -> receiver.count("KnobHigh", "firing") == 1);
        assertThat(receiver.requests()).as("two refused attempts, then the one taken").isEqualTo(3);
        evaluations(5);
        assertThat(receiver.requests()).isEqualTo(3);
    }

    @Test
    void verboseHealthListsEveryComponentWhilePlainHealthStaysOk() throws Exception {
        start("0s", "[[log]]", "5m");
        assertThat(send("GET", "/healthz", null).body()).isEqualTo("ok\n");
        String verbose = send("GET", "/healthz?verbose", null).body();
        List<String> lines = new ArrayList<>(List.of(verbose.split("\n")));
        assertThat(lines.remove(0)).isEqualTo("ok");
        assertThat(lines).contains("backend up", "dispatch up");
        assertThat(Set.copyOf(lines)).hasSameSizeAs(lines);
    }
}
