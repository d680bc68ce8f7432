package io.tidegate.gateway.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tidegate.gateway.config.GatewayConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminRouteTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private AdminHttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void aFeaturesRouteIsServedBehindTheAccessFilterWhileProbesStayOpen() throws Exception {
        AdminRoute hello = new AdminRoute("/api/hello", ex -> {
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        start(Set.of(hello));

        assertThat(get("/api/hello", null).statusCode()).isEqualTo(401);
        HttpResponse<String> allowed = get("/api/hello", "let-me-in");
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.body()).isEqualTo("hello");
        assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
        assertThat(get("/nothing-here", "let-me-in").statusCode()).isEqualTo(404);
    }

    @Test
    void aRouteCannotTakeOverAProbe() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AdminRoute("/healthz", ex -> ex.close()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/healthz");
    }

    private void start(Set<AdminRoute> routes) throws IOException {
        GatewayConfig config = GatewayConfig.defaultsWith("http.port=0");
        server = new AdminHttpServer(config.http(), config.otel(), new Readiness(null),
                new PrometheusRegistry(), null, new SecretHeader(), routes);
        server.start();
    }

    private HttpResponse<String> get(String path, String secret) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (secret != null) {
            request.header("X-Secret", secret);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A stand-in for the admin auth: lets through only callers that send the secret. */
    private static final class SecretHeader extends Filter {
        @Override
        public void doFilter(HttpExchange ex, Chain chain) throws IOException {
            if ("let-me-in".equals(ex.getRequestHeaders().getFirst("X-Secret"))) {
                chain.doFilter(ex);
            } else {
                ex.sendResponseHeaders(401, -1);
                ex.close();
            }
        }

        @Override
        public String description() {
            return "a shared secret header";
        }
    }
}
