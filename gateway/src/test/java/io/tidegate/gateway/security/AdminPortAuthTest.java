package io.tidegate.gateway.security;

import io.tidegate.testkit.TestPki;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.EmbeddedGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin port serves HTTPS with the gateway's certificate; {@code /healthz} and {@code /readyz}
 * stay open to probes, while {@code /metrics} and every other path need a bearer token or a
 * client certificate (http.auth), and the role http.auth-role names. Real HTTPS over sockets.
 */
class AdminPortAuthTest {

    private static final String OPS_TOKEN = "ops-token-for-the-admin-port";
    private static final String TRADER_TOKEN = "trader-token-not-for-the-admin-port";

    @TempDir
    Path dir;

    @Test
    void withTokenAuthTheProbesAreOpenAndMetricsNeedATokenWithTheRole() throws Exception {
        TestPki pki = new TestPki("admin-ca");
        try (EmbeddedGateway gateway = gateway(pki, "http.auth=token", "http.auth-role=ops",
                "security.api-tokens.ops.sha256=" + StaticTokens.sha256Hex(OPS_TOKEN), "security.api-tokens.ops.roles=ops",
                "security.api-tokens.trader.sha256=" + StaticTokens.sha256Hex(TRADER_TOKEN))) {
            HttpClient https = HttpClient.newBuilder().sslContext(TestChannels.jdkContext(pki.ca(), null)).build();
            assertThat(get(https, gateway, "/healthz", null).statusCode()).isEqualTo(200);
            assertThat(get(https, gateway, "/readyz", null).statusCode()).isEqualTo(200);
            HttpResponse<String> anonymous = get(https, gateway, "/metrics", null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertThat(anonymous.body()).contains("Authorization: Bearer");
            assertThat(get(https, gateway, "/some/future/page", null).statusCode()).as("unknown paths are guarded too").isEqualTo(401);
            assertThat(get(https, gateway, "/metrics", "wrong-token").statusCode()).isEqualTo(401);
            HttpResponse<String> trader = get(https, gateway, "/metrics", TRADER_TOKEN);
            assertThat(trader.statusCode()).isEqualTo(403);
            assertThat(trader.body()).contains("lacks the role ops");
            HttpResponse<String> ops = get(https, gateway, "/metrics", OPS_TOKEN);
            assertThat(ops.statusCode()).isEqualTo(200);
            assertThat(ops.body()).contains("tidegate_auth_refusals_total{reason=\"missing_role\"} 1");
            assertThat(get(https, gateway, "/some/future/page", OPS_TOKEN).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void withMtlsAuthMetricsNeedAClientCertificateWhileProbesNeedNone() throws Exception {
        TestPki pki = new TestPki("admin-mtls-ca");
        try (EmbeddedGateway gateway = gateway(pki, "http.auth=mtls", "security.tls.client-auth=optional",
                "security.tls.client-identity=cn")) {
            HttpClient anonymous = HttpClient.newBuilder().sslContext(TestChannels.jdkContext(pki.ca(), null)).build();
            assertThat(get(anonymous, gateway, "/healthz", null).statusCode()).isEqualTo(200);
            assertThat(get(anonymous, gateway, "/metrics", null).statusCode()).isEqualTo(401);
            HttpClient operator = HttpClient.newBuilder().sslContext(TestChannels.jdkContext(pki.ca(), pki.client("ops", null))).build();
            assertThat(get(operator, gateway, "/metrics", null).statusCode()).isEqualTo(200);
        }
    }

    private EmbeddedGateway gateway(TestPki pki, String... more) throws Exception {
        List<String> settings = new ArrayList<>(List.of("grpc.port=0", "http.port=0"));
        settings.addAll(List.of(more));
        return TestChannels.tlsGateway(pki, dir, settings);
    }

    private static HttpResponse<String> get(HttpClient client, EmbeddedGateway gateway, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + gateway.httpPort() + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
