package io.tidegate.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The console's routes on a real gateway's admin port: the page, the JSON snapshot, the event stream and its limit. */
class ConsoleRoutesTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedGateway gateway;

    @BeforeEach
    void start() {
        gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith("gateway-id=solo", "grpc.host=127.0.0.1",
                "grpc.port=0", "http.host=127.0.0.1", "http.port=0", "console.push-interval=100ms",
                "console.max-clients=1"));
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void thePageAndItsAssetsAreServedAndUnknownPathsAnswer404() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<title>Tidegate console</title>", "console.js").doesNotContain("http://", "https://");
        assertThat(get("/console.js").statusCode()).isEqualTo(200);
        assertThat(get("/console.css").statusCode()).isEqualTo(200);
        assertThat(get("/no-such-page").statusCode()).isEqualTo(404);
    }

    @Test
    void theSnapshotNamesThisReplicaAsUpWithTheMemoryBackend() throws Exception {
        // the first snapshot may predate the end of start-up (503 before it, "starting" in it)
        JsonNode json = null;
        for (int i = 0; i < 100 && (json == null || !json.get("ready").asBoolean()); i++) {
            HttpResponse<String> state = get("/api/state");
            json = state.statusCode() == 200 ? new ObjectMapper().readTree(state.body()) : null;
            Thread.sleep(100);
        }
        assertThat(json).isNotNull();
        assertThat(json.get("gatewayId").asText()).isEqualTo("solo");
        assertThat(json.get("backend").asText()).isEqualTo("memory");
        assertThat(json.get("ready").asBoolean()).isTrue();
        assertThat(json.get("replicas")).hasSize(1);
        assertThat(json.get("replicas").get(0).get("state").asText()).isEqualTo("up");
        assertThat(json.get("lanes")).hasSize(5);
        assertThat(json.get("spool").get("present").asBoolean()).isFalse();
    }

    @Test
    void theEventStreamPushesSnapshotsAndRefusesClientsPastTheLimit() throws Exception {
        HttpResponse<InputStream> events = http.send(request("/api/events"), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(events.statusCode()).isEqualTo(200);
        assertThat(events.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo("event: state");
            String data = lines.readLine();
            assertThat(data).startsWith("data: {");
            assertThat(new ObjectMapper().readTree(data.substring("data: ".length())).get("gatewayId").asText()).isEqualTo("solo");
            HttpResponse<String> second = get("/api/events");
            assertThat(second.statusCode()).as("console.max-clients = 1").isEqualTo(503);
            assertThat(second.body()).contains("console.max-clients");
        }
    }

    private HttpRequest request(String path) {
        // a bound, so a stream wrongly admitted fails the test instead of hanging it
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path)).timeout(java.time.Duration.ofSeconds(30)).build();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(request(path), HttpResponse.BodyHandlers.ofString());
    }
}
