package io.tidegate.gateway.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.tidegate.gateway.backend.redis.RedisAccess;
import io.tidegate.gateway.backend.redis.SecuredRedis;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.KillScope;
import io.tidegate.testkit.RedisServer;
import java.time.Clock;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KillSwitchesOnRedisTest {

    private static KillSwitches onRedis(GatewayConfig.Redis redis) {
        RedisAccess access = RedisAccess.of(redis);
        return KillSwitches.onRedis(redis.keyPrefix(), redis.isCluster(), access.seeds(), access.ssl(),
                Clock.systemUTC(), Duration.ofMillis(50));
    }

    private static GatewayConfig.Redis redisAt(int port) {
        return GatewayConfig.defaultsWith("backend.redis.uri=redis://127.0.0.1:" + port)
                .backend().redis();
    }

    @Test
    void killsAreSharedThroughARedisThatRequiresTheTidegateUserOverMutualTls(@TempDir Path dir) {
        try (SecuredRedis redis = new SecuredRedis(dir)) {
            GatewayConfig.Redis config = GatewayConfig.defaultsWith(redis.overrides().toArray(String[]::new))
                    .backend().redis();
            try (KillSwitches one = onRedis(config); KillSwitches other = onRedis(config)) {
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        one.refusal("BINANCE", "strat-1", "BTCUSDT.BINANCE") == null);
                one.kill(KillScope.KILL_SCOPE_STRATEGY, "strat-1", "test", "ops");
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(other.refusal("BINANCE", "strat-1", "BTCUSDT.BINANCE"))
                                .isNotNull().extracting(Refusal::rule).isEqualTo(RiskRule.KILL_SWITCH));
            }
        }
    }

    @Test
    void aGatewayStartedBeforeRedisRefusesOrdersUntilItReadsTheKillsThenAppliesThem() {
        RedisServer redis = RedisServer.start();
        int port = redis.port();
        redis.kill(); // nothing listens on the port now: Redis is "not up yet"
        try (KillSwitches kills = onRedis(redisAt(port))) {
            Refusal before = kills.refusal("BINANCE", "strat-1", "BTCUSDT.BINANCE");
            assertThat(before).isNotNull();
            assertThat(before.code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(before.text()).contains("kill switches not read from Redis yet").contains("retry");

            // Redis comes up, holding a kill another replica set: the poller connects and applies it.
            redis = redis.killAndRestart(0);
            assertThat(redis.command("HSET tg:risk:kills strategy:strat-1 x")).isEqualTo(":1");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Refusal r = kills.refusal("BINANCE", "strat-1", "BTCUSDT.BINANCE");
                assertThat(r).isNotNull();
                assertThat(r.rule()).isEqualTo(RiskRule.KILL_SWITCH);
                assertThat(r.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
            });
            assertThat(kills.refusal("BINANCE", "strat-2", "BTCUSDT.BINANCE")).isNull();

            // and the store is writable from here on
            kills.revive(KillScope.KILL_SCOPE_STRATEGY, "strat-1", "test");
            assertThat(kills.refusal("BINANCE", "strat-1", "BTCUSDT.BINANCE")).isNull();
            assertThat(redis.command("HLEN tg:risk:kills")).isEqualTo(":0");
        } finally {
            redis.close();
        }
    }
}
