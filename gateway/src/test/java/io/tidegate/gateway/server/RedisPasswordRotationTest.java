package io.tidegate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.backend.redis.RedisAclRules;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real redis-server with the Tidegate ACL user: the operator rotates its password (writes the
 * new one to {@code backend.redis.password-file}, then sets it in Redis, removing the old one)
 * and Redis drops the gateway's connections. The gateway logs in again with the new password on
 * its own: what was spooled while the connections came back is replayed, later publishes are
 * stored directly, and nothing acknowledged is lost. With the password read only at start the
 * gateway could never log in again and the spool would never drain.
 */
class RedisPasswordRotationTest {

    private static final String USER = "rotating";

    @TempDir
    Path dir;

    @Test
    void aPasswordRotatedInTheFileAndInRedisIsUsedAtTheNextReconnect() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String rules = String.join(" ", RedisAclRules.rules("tg"));
            assertThat(redis.command("ACL SETUSER " + USER + " on >first-pw " + rules)).isEqualTo("+OK");
            Path password = Files.writeString(dir.resolve("password"), "first-pw\n");
            try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("backend.type=redis",
                    "backend.redis.uri=" + redis.uri(), "backend.redis.username=" + USER,
                    "backend.redis.password-file=" + password, "resilience.spool.dir=" + dir.resolve("spool"));
                 FrameClient pub = FrameClient.connected(gateway.target())) {
                assertStored(publish(pub, "before"));

                Files.writeString(password, "second-pw\n");
                assertThat(redis.command("ACL SETUSER " + USER + " resetpass >second-pw")).isEqualTo("+OK");
                assertThat(redis.command("CLIENT KILL USER " + USER)).matches(":[1-9][0-9]*");

                // while the connections come back a publish may be spooled, as in any outage; the
                // spool is replayed only once the gateway has logged in again
                for (int i = 0; i < 20; i++) {
                    PublishResult r = publish(pub, "after-" + i);
                    assertThat(r.hasError()).as("error %s", r.getError()).isFalse();
                }
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(redis.command("XLEN tg:s:{orders.rotation}")).isEqualTo(":21"));
                assertStored(publish(pub, "once-logged-in"));
                pub.assertAlive();
                assertThat(redis.command("XLEN tg:s:{orders.rotation}")).isEqualTo(":22");
            }
        }
    }

    private static PublishResult publish(FrameClient pub, String id) {
        Message m = Message.newBuilder().setTopic("orders.rotation").setId(id)
                .setPayload(ByteString.copyFromUtf8(id)).build();
        return pub.await(pub.publish(m)).getPublishAck().getResults(0);
    }

    private static void assertStored(PublishResult r) {
        assertThat(r.hasError()).as("error %s", r.getError()).isFalse();
        assertThat(r.getSpooled()).as("stored in Redis, not spooled as an outage").isFalse();
        assertThat(r.hasPosition()).isTrue();
    }
}
