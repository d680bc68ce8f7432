package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.proto.v1.StartPosition;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway that starts while Redis is down serves anyway: publishes are spooled and acked,
 * subscriptions wait, and once Redis comes up everything arrives, in order.
 */
class RedisStartupOutageTest {

    @Test
    void gatewayStartsDuringARedisOutageAndCatchesUpWhenItReturns(@TempDir Path spool) {
        RedisServer redis = RedisServer.start();
        redis.close(); // nothing listens on its port now
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + redis.uri(),
                "resilience.spool.dir=" + spool);
             FrameClient client = FrameClient.connected(gateway.target())) {
            assertThat(client.await(client.subscribe(broadcast("s", "outage.start")
                    .setStart(StartPosition.newBuilder().setKind(StartPosition.Kind.KIND_EARLIEST)))).hasSubscribed()).isTrue();
            List<String> published = new ArrayList<>();
            for (int batch = 0; batch < 10; batch++) {
                Message[] messages = new Message[10];
                for (int i = 0; i < 10; i++) {
                    String id = "m" + (batch * 10 + i);
                    published.add(id);
                    messages[i] = msg("outage.start", id).toBuilder().setId(id).build();
                }
                for (PublishResult r : client.await(client.publish(messages)).getPublishAck().getResultsList()) {
                    assertThat(r.getSpooled()).as("acked from the spool while Redis is down: %s", r).isTrue();
                }
            }

            redis = redis.restart();
            List<Delivery> got = client.awaitDeliveries("s", 100);
            assertThat(got).extracting(d -> d.getMessage().getId()).containsExactlyElementsOf(published);
        } finally {
            redis.close();
        }
    }
}
