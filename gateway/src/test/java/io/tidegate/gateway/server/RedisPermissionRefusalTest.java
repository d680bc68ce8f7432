package io.tidegate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.backend.redis.RedisAclRules;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.testkit.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real redis-server whose Tidegate ACL user may XADD only to the streams of {@code orders.allowed*}
 * (an ACL selector): a publish on another topic is refused by Redis at run time. The publisher is
 * told FAILED_PRECONDITION naming Redis's refusal and the ACL to grant, nothing is spooled (the
 * resilience layer is on), the breaker does not count it, the stream and the allowed topics go
 * on, and /readyz, the health report and the metrics say so.
 */
class RedisPermissionRefusalTest {

    private static final String USER = "limited";
    private static final String PASSWORD = "limited-pw";

    @TempDir
    static Path dir;
    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
        // everything Tidegate needs but XADD, which a selector grants on the allowed topic's stream only
        String reply = redis.command("ACL SETUSER " + USER + " on >" + PASSWORD + " "
                + String.join(" ", RedisAclRules.rules("tg")) + " -xadd \"(~tg:s:{orders.allowed* +xadd)\"");
        assertThat(reply).isEqualTo("+OK");
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aPublishRedisRefusesIsAnsweredFailedPreconditionAndNeverSpooled() throws Exception {
        Path password = Files.writeString(dir.resolve("password"), PASSWORD);
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("backend.type=redis",
                "backend.redis.uri=" + redis.uri(), "backend.redis.username=" + USER,
                "backend.redis.password-file=" + password, "http.port=0",
                "resilience.spool.dir=" + dir.resolve("spool"), "resilience.breaker.minimum-calls=5",
                "resilience.breaker.sliding-window-size=10");
             FrameClient pub = FrameClient.connected(gateway.target())) {

            List<PublishResult> first = results(pub, pub.publish(msg("orders.allowed", "a-0"), msg("orders.forbidden", "f-0")));
            assertThat(first.get(0).hasError()).isFalse();
            assertThat(first.get(0).getSpooled()).isFalse();
            assertThat(first.get(0).hasPosition()).isTrue();
            assertThat(first.get(1).getError().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
            assertThat(first.get(1).getError().getMessage())
                    .startsWith("Redis refused the command: ")
                    .contains("user executing the script can't access")
                    .contains("grant the Tidegate ACL to user \"" + USER + "\" (docs/redis.md)")
                    .contains(RedisAclRules.setUser(USER, "tg"));

            // many more refusals: far past the breaker's minimum calls, were they counted as failures
            for (int i = 1; i <= 30; i++) {
                PublishResult r = results(pub, pub.publish(msg("orders.forbidden", "f-" + i))).get(0);
                assertThat(r.getError().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
            }
            PublishResult after = results(pub, pub.publish(msg("orders.allowed", "a-1"))).get(0);
            assertThat(after.hasError()).as("the stream goes on").isFalse();
            assertThat(after.getSpooled()).as("the breaker stayed closed: a direct append").isFalse();
            pub.assertAlive();

            assertThat(redis.command("XLEN tg:s:{orders.allowed}")).isEqualTo(":2");
            assertThat(redis.command("XLEN tg:s:{orders.forbidden}")).isEqualTo(":0");
            String readyz = get(gateway.httpPort(), "/readyz");
            assertThat(readyz).startsWith("200 ready; Redis refused the command: ").contains("31 commands refused since start");
            assertThat(get(gateway.httpPort(), "/healthz?verbose")).contains("Redis refused the command");
            String metrics = MetricsScrape.scrape(gateway);
            assertThat(MetricsScrape.value(metrics, "tidegate_spool_pending")).isZero();
            assertThat(MetricsScrape.value(metrics, "tidegate_backend_refused_commands_total")).isEqualTo(31);
        }
    }

    private static Message msg(String topic, String id) {
        return Message.newBuilder().setTopic(topic).setId(id).setPayload(ByteString.copyFromUtf8("x")).build();
    }

    private static List<PublishResult> results(FrameClient client, long frameId) {
        return client.await(frameId).getPublishAck().getResultsList();
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body().strip();
    }
}
