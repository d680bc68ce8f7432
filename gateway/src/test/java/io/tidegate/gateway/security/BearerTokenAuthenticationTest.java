package io.tidegate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACSigner;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.ConnectResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every RPC carries {@code authorization: Bearer <token>}: a JWT (HMAC here) checked for
 * signature, exp, nbf, audience and issuer, or a static API token stored hashed. A call that
 * proves nothing ends UNAUTHENTICATED saying what is wrong, without echoing a secret; the gateway
 * carries on; refusals are counted per reason. The identity, not the name sent in Hello, picks the
 * client limits. Real gRPC over sockets.
 */
class BearerTokenAuthenticationTest {

    private static final String API_TOKEN = "tg_static_token_for_strategy_b";
    private static EmbeddedGateway gateway;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() {
        gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith("grpc.port=0", "http.port=0",
                "security.jwt.hmac-secret=" + TestTokens.SECRET, "security.jwt.issuer=" + TestTokens.ISSUER,
                "security.jwt.audience=" + TestTokens.AUDIENCE, "security.jwt.clock-skew=5s",
                "security.api-tokens.strategy-b.sha256=" + StaticTokens.sha256Hex(API_TOKEN),
                "security.api-tokens.strategy-b.roles=[trader]",
                // one message a second for strategy-a, whatever name it declares in Hello
                "resilience.client-limits.clients.strategy-a.publish-rate=1",
                "resilience.client-limits.clients.strategy-a.publish-burst=1"));
        channel = TestChannels.plaintext(gateway.grpcPort());
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        gateway.close();
    }

    @Test
    void aValidJwtAndAValidApiTokenArePublishedUnderTheirIdentity() throws Exception {
        String jwt = TestTokens.hs256(TestTokens.claims("strategy-c", "trader"));
        assertThat(TestChannels.publishOne(TestChannels.withToken(channel, jwt), "orders.a").getResults(0).hasError()).isFalse();
        assertThat(TestChannels.publishOne(TestChannels.withToken(channel, API_TOKEN), "orders.b").getResults(0).hasError()).isFalse();
        try (TestStream stream = TestStream.open(channel, TestChannels.bearer(jwt))) {
            assertThat(stream.hello("c").hasWelcome()).isTrue();
        }
    }

    @Test
    void eachBadCredentialEndsUnauthenticatedSayingWhatIsWrong() throws Exception {
        Instant now = Instant.now();
        assertRefused(null, "no credentials", "authorization: Bearer");
        assertRefused("not-a-known-token", "neither a known API token nor a JWT");
        assertRefused(TestTokens.hs256(TestTokens.claims("s").expirationTime(Date.from(now.minusSeconds(60)))), "expired");
        assertRefused(TestTokens.hs256(TestTokens.claims("s").notBeforeTime(Date.from(now.plusSeconds(300)))), "not valid before");
        assertRefused(TestTokens.hs256(TestTokens.claims("s").audience("someone-else")), "audience", "tidegate");
        assertRefused(TestTokens.hs256(TestTokens.claims("s").issuer("https://evil.test")), "issuer");
        assertRefused(TestTokens.sign(new MACSigner("another-secret-of-at-least-32-bytes-xxxxx".getBytes(StandardCharsets.UTF_8)),
                JWSAlgorithm.HS256, null, TestTokens.claims("s")), "signature");
        assertRefused(TestTokens.hs256(TestTokens.claims("s").expirationTime(null)), "no exp claim");
        assertRefused("a.b.c", "not a valid JWT");
        // a token a few seconds past exp is still within the clock skew
        String justExpired = TestTokens.hs256(TestTokens.claims("s").expirationTime(Date.from(now.minusSeconds(2))));
        assertThat(TestChannels.publishOne(TestChannels.withToken(channel, justExpired), "orders.skew").getResults(0).hasError()).isFalse();

        assertThat(TestChannels.publishOne(TestChannels.withToken(channel, API_TOKEN), "orders.after").getResults(0).hasError())
                .as("the gateway carries on").isFalse();
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("tidegate_auth_refusals_total\\{reason=\"expired\"} [1-9]")
                .containsPattern("tidegate_auth_refusals_total\\{reason=\"wrong_audience\"} [1-9]")
                .containsPattern("tidegate_auth_refusals_total\\{reason=\"missing_credentials\"} [1-9]");
    }

    @Test
    void aStreamWithoutCredentialsEndsUnauthenticatedAtOnce() {
        TestStream stream = TestStream.open(channel, null);
        assertThatThrownBy(() -> stream.hello("anyone")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void limitsFollowTheAuthenticatedIdentityNotTheNameSentInHello() throws Exception {
        String strategyA = TestTokens.hs256(TestTokens.claims("strategy-a"));
        try (TestStream limited = TestStream.open(channel, TestChannels.bearer(strategyA))) {
            limited.hello("an-unlimited-name");
            ConnectResponse ack = limited.publish("orders.x", "orders.y");
            assertThat(ack.getPublishAck().getResults(0).hasError()).isFalse();
            assertThat(ack.getPublishAck().getResults(1).getError().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
        }
        try (TestStream other = TestStream.open(channel, TestChannels.bearer(API_TOKEN))) {
            other.hello("strategy-a");
            ConnectResponse ack = other.publish("orders.x", "orders.y");
            assertThat(ack.getPublishAck().getResultsList()).as("strategy-b declaring strategy-a's name is not limited as it")
                    .allSatisfy(r -> assertThat(r.hasError()).isFalse());
        }
    }

    private static void assertRefused(String token, String... says) {
        assertThatThrownBy(() -> TestChannels.publishOne(TestChannels.withToken(channel, token), "orders.refused"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).contains(says).doesNotContain(TestTokens.SECRET);
                    if (token != null) {
                        assertThat(e.getStatus().getDescription()).doesNotContain(token);
                    }
                });
    }
}
