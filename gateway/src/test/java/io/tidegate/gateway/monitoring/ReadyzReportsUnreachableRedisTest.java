package io.tidegate.gateway.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.testkit.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /readyz} tells the truth about Redis without waiting for a publish: a gateway that cannot
 * reach Redis says so from start, says {@code ready} once Redis answers, and says so again when
 * the connection drops while nothing is published.
 */
class ReadyzReportsUnreachableRedisTest {

    private static final String UNREACHABLE = "200 ready; backend unreachable, spooling publishes";

    @Test
    void readyzSaysBackendUnreachableFromStartAndReadyOnceRedisAnswers(@TempDir Path spool) throws Exception {
        RedisServer redis = RedisServer.start();
        redis.close(); // its port is closed now: the gateway never reaches Redis at start
        try (EmbeddedGateway gateway = EmbeddedGateway.start(io.tidegate.gateway.config.GatewayConfig.defaultsWith(
                "grpc.host=127.0.0.1", "grpc.port=0", "http.host=127.0.0.1", "http.port=0",
                "backend.redis.uri=" + redis.uri(), "resilience.spool.dir=" + spool))) {
            assertThat(readyz(gateway)).startsWith(UNREACHABLE);

            redis = redis.restart();
            awaitReadyz(gateway, "200 ready\n");

            redis.kill(); // no publish follows: only the connection tells
            awaitReadyz(gateway, UNREACHABLE);

            redis = redis.restart();
            awaitReadyz(gateway, "200 ready\n");
        } finally {
            redis.close();
        }
    }

    private static void awaitReadyz(EmbeddedGateway gateway, String prefix) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> readyz(gateway).startsWith(prefix));
    }

    private static String readyz(EmbeddedGateway gateway) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.httpPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }
}
