package io.tidegate.gateway.security;

import io.tidegate.testkit.TestPki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tidegate.gateway.EmbeddedGateway;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mTLS names the caller by its client certificate (SAN URI, SAN DNS or CN, as configured): a
 * certificate from the client CA is let in as that identity; none, or one from another CA, fails
 * the handshake when certificates are required; a certificate without the configured name is
 * UNAUTHENTICATED. Real TLS over sockets; certificates made at test time.
 */
class MutualTlsTest {

    @TempDir
    Path dir;

    @Test
    void aRequiredClientCertificateNamesTheCallerAndItsLimits() throws Exception {
        TestPki pki = new TestPki("clients-ca");
        try (EmbeddedGateway gateway = gateway(pki, "security.tls.client-auth=require",
                "security.tls.client-identity=san-uri",
                "resilience.client-limits.clients.\"spiffe://test/strategy-a\".publish-rate=1",
                "resilience.client-limits.clients.\"spiffe://test/strategy-a\".publish-burst=1")) {
            withChannel(gateway, pki, pki.client("strategy-a", "spiffe://test/strategy-a"), channel -> {
                try (TestStream stream = TestStream.open(channel, null)) {
                    assertThat(stream.hello("declares-another-name").hasWelcome()).isTrue();
                    var ack = stream.publish("orders.1", "orders.2").getPublishAck();
                    assertThat(ack.getResults(1).getError().getCode()).as("limited as its certificate identity")
                            .isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            withChannel(gateway, pki, null, channel -> assertThatThrownBy(() -> publish(channel))
                    .as("no certificate: the handshake fails").isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE)));
            TestPki stranger = new TestPki("another-ca");
            withChannel(gateway, pki, stranger.client("strategy-a", "spiffe://test/strategy-a"),
                    channel -> assertThatThrownBy(() -> publish(channel)).as("a certificate from another CA")
                            .isInstanceOfSatisfying(StatusRuntimeException.class,
                                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE)));
            withChannel(gateway, pki, pki.client("no-uri", null), channel -> assertThatThrownBy(() -> publish(channel))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                        assertThat(e.getStatus().getDescription()).contains("URI subject alternative name");
                    }));
        }
    }

    @Test
    void anOptionalCertificateOrATokenEachAuthenticateAndNeitherIsRefused() throws Exception {
        TestPki pki = new TestPki("optional-ca");
        String token = "token-of-the-monitor";
        try (EmbeddedGateway gateway = gateway(pki, "security.tls.client-auth=optional", "security.tls.client-identity=cn",
                "security.api-tokens.monitor.sha256=" + StaticTokens.sha256Hex(token))) {
            withChannel(gateway, pki, pki.client("strategy-b", null), channel -> publish(channel));
            withChannel(gateway, pki, null, channel -> {
                assertThat(TestChannels.publishOne(TestChannels.withToken(channel, token), "orders.t").getResults(0).hasError()).isFalse();
                assertThatThrownBy(() -> publish(channel)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).contains("Bearer", "client certificate");
                });
            });
        }
    }

    private EmbeddedGateway gateway(TestPki pki, String... more) throws Exception {
        List<String> settings = new ArrayList<>(List.of("grpc.port=0", "http.port=-1"));
        settings.addAll(List.of(more));
        return TestChannels.tlsGateway(pki, dir, settings);
    }

    private static void withChannel(EmbeddedGateway gateway, TestPki pki, TestPki.Issued client, Consumer<ManagedChannel> use)
            throws Exception {
        ManagedChannel channel = TestChannels.tls(gateway.grpcPort(), pki.ca(), client, null);
        try {
            use.accept(channel);
        } finally {
            channel.shutdownNow();
        }
    }

    private static void publish(ManagedChannel channel) {
        assertThat(TestChannels.publishOne(TestChannels.withToken(channel, null), "orders.m").getResults(0).hasError()).isFalse();
    }
}
