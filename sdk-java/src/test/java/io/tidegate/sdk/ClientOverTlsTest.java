package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK against a real gateway with TLS, a required client certificate and bearer tokens:
 * with the CA file, its certificate and a token it publishes and subscribes; without a token
 * the gateway's UNAUTHENTICATED reaches the connection listener. Certificates made at test time.
 */
class ClientOverTlsTest {

    private static final String TOKEN = "sdk-java-test-token";

    @TempDir
    Path dir;

    @Test
    void aClientWithTheCaAClientCertificateAndATokenPublishesAndSubscribes() throws Exception {
        TestPki pki = new TestPki("sdk-java-ca");
        try (EmbeddedGateway gateway = gateway(pki, "security.tls.client-auth=require");
             TidegateClient client = TidegateClient.builder().endpoints("localhost:" + gateway.grpcPort())
                     .tls(pki.writeCa(dir.resolve("ca.pem")))
                     .clientCertificate(write(pki, "client.pem", "client.key"), dir.resolve("client.key"))
                     .bearerToken(() -> TOKEN)
                     .build()) {
            List<String> got = new CopyOnWriteArrayList<>();
            client.subscribe(SubscriptionOptions.broadcast("sdk.tls.>"), m -> got.add(m.message().getPayload().toStringUtf8()))
                    .confirmed().get();
            client.publish(Message.newBuilder().setTopic("sdk.tls.hello").setPayload(ByteString.copyFromUtf8("over tls")).build()).join();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(got).containsExactly("over tls"));
        }
    }

    @Test
    void aClientWithoutATokenIsToldItIsUnauthenticated() throws Exception {
        TestPki pki = new TestPki("sdk-java-ca-2");
        List<Throwable> causes = new CopyOnWriteArrayList<>();
        try (EmbeddedGateway gateway = gateway(pki, "security.tls.client-auth=none");
             TidegateClient client = TidegateClient.builder().endpoints("localhost:" + gateway.grpcPort())
                     .tls(pki.writeCa(dir.resolve("ca.pem")))
                     .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200), 0.1)
                     .connectionListener(new ConnectionListener() {
                         @Override
                         public void onRefused(String endpoint, Throwable cause) {
                             causes.add(cause);
                         }
                     })
                     .build()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !causes.isEmpty());
            assertThat(causes.get(0)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription()).contains("authorization: Bearer");
            });
            assertThat(client.isConnected()).isFalse();
        }
    }

    private Path write(TestPki pki, String chain, String key) throws Exception {
        pki.write(pki.client("sdk-java", "spiffe://test/sdk-java"), dir.resolve(chain), dir.resolve(key));
        return dir.resolve(chain);
    }

    private EmbeddedGateway gateway(TestPki pki, String clientAuth) throws Exception {
        Path chain = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        pki.write(pki.server(), chain, key);
        return EmbeddedGateway.start(GatewayConfig.defaultsWith("grpc.port=0", "http.port=-1",
                "security.tls.cert-chain-file=" + chain, "security.tls.private-key-file=" + key,
                "security.tls.client-ca-file=" + pki.writeCa(dir.resolve("client-ca.pem")), clientAuth,
                "security.api-tokens.sdk-java.sha256=" + sha256(TOKEN)));
    }

    private static String sha256(String token) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    }
}
