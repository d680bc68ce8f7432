package io.tidegate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.testkit.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partly allowed catch-all subscription on the Redis backend, where a subscription finds new
 * topics through the topic registry: a {@code >} subscriber without rights to {@code exec.>} never
 * sees an order, broadcast or as a group member. Real redis-server, real gRPC over sockets.
 */
class RedisTopicAuthorisationTest {

    private static final String TRADER = "tg_token_of_the_trader";
    private static final String MONITOR = "tg_token_of_the_monitor";

    @TempDir
    Path dir;

    @Test
    void aCatchAllSubscriberWithoutRightsToExecNeverSeesAnOrderOnRedis() throws Exception {
        Path rules = Files.writeString(dir.resolve("acl.conf"), TopicAuthorisationTest.RULES);
        try (RedisServer redis = RedisServer.start();
             EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith("grpc.port=0", "http.port=-1",
                     "backend.redis.uri=" + redis.uri(), "resilience.spool.dir=" + dir.resolve("spool"),
                     "backend.redis.block-timeout=100ms",
                     "security.api-tokens.strategy-a.sha256=" + StaticTokens.sha256Hex(TRADER),
                     "security.api-tokens.strategy-a.roles=[trader]",
                     "security.api-tokens.risk-monitor.sha256=" + StaticTokens.sha256Hex(MONITOR),
                     "security.acl.enabled=true", "security.acl.file=" + rules))) {
            ManagedChannel channel = TestChannels.plaintext(gateway.grpcPort());
            try (TestStream monitor = TestStream.open(channel, TestChannels.bearer(MONITOR));
                 TestStream member = TestStream.open(channel, TestChannels.bearer(MONITOR));
                 TestStream trader = TestStream.open(channel, TestChannels.bearer(TRADER))) {
                monitor.hello("m");
                member.hello("g");
                trader.hello("a");
                assertThat(monitor.subscribe("all", null, ">").hasSubscribed()).isTrue();
                assertThat(member.subscribe("all", "monitors", ">").hasSubscribed()).isTrue();
                trader.publish("exec.commands.BINANCE.r1", "data.quotes.r1");
                trader.publish("exec.commands.BINANCE.r2");
                trader.publish("data.quotes.r2");
                for (TestStream s : List.of(monitor, member)) {
                    // two topics are two streams on Redis, delivered in no promised order: wait for both
                    s.deliveredUntil("data.quotes.r1");
                    assertThat(s.deliveredUntil("data.quotes.r2")).contains("data.quotes.r1")
                            .noneMatch(t -> t.startsWith("exec."));
                }
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
