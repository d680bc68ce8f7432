package io.tidegate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @Test
    void defaultsUseTheMemoryBackend() {
        GatewayConfig c = ConfigLoader.load(null, Map.of(), List.of());
        assertThat(c.backend().type()).isEqualTo(GatewayConfig.BackendType.MEMORY);
        assertThat(c.grpc().port()).isEqualTo(7400);
        assertThat(c.limits().maxPayloadBytes()).isEqualTo(1024 * 1024);
        assertThat(c.gatewayId()).isNotBlank();
    }

    @Test
    void aRedisUriSwitchesAutoToRedis() {
        GatewayConfig c = ConfigLoader.load(null, Map.of(), List.of("backend.redis.uri=redis://127.0.0.1:6379"));
        assertThat(c.backend().type()).isEqualTo(GatewayConfig.BackendType.REDIS);
    }

    @Test
    void fileThenEnvironmentThenFlagsWin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, "tidegate { grpc.port = 9000, http.port = 9001, delivery.max-deliveries = 7 }");
        GatewayConfig c = ConfigLoader.load(file, Map.of("TIDEGATE_HTTP_PORT", "9002", "TIDEGATE_GRPC_PORT", "9003"),
                List.of("grpc.port=9004"));
        assertThat(c.grpc().port()).isEqualTo(9004);
        assertThat(c.http().port()).isEqualTo(9002);
        assertThat(c.delivery().maxDeliveries()).isEqualTo(7);
    }

    @Test
    void yamlStyleJsonFileIsAccepted(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gateway.json");
        Files.writeString(file, "{\"tidegate\": {\"dedup-window\": \"5s\"}}");
        assertThat(ConfigLoader.load(file, Map.of(), List.of()).dedupWindow()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void dispatchWorkersDefaultToOneToFiftyAndMinMustNotExceedMax() {
        GatewayConfig.Workers w = GatewayConfig.defaultsWith().dispatch().workers();
        assertThat(w.min()).isEqualTo(1);
        assertThat(w.max()).isEqualTo(50);
        assertThat(w.scaleDownAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(GatewayConfig.defaultsWith("dispatch.workers.max=8").dispatch().workers().max()).isEqualTo(8);
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("dispatch.workers.min=9", "dispatch.workers.max=8"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("dispatch.workers.min (9) must not exceed dispatch.workers.max (8)");
    }

    @Test
    void outOfRangeValueNamesTheKeyAndRange() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("grpc.port=70000"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("grpc.port must be from 0 to 65535, got 70000");
    }

    @Test
    void malformedNumberNamesTheKey() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("limits.max-payload-bytes=lots"))
                .hasMessageContaining("limits.max-payload-bytes must be a whole number from 1 to");
    }

    @Test
    void malformedDurationNamesTheKey() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("delivery.default-ack-deadline=soon"))
                .hasMessageContaining("delivery.default-ack-deadline must be a duration such as 500ms");
    }

    @Test
    void unknownKeyIsRefused() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("grpc.prot=1"))
                .hasMessageContaining("unknown config key \"grpc.prot\"");
    }

    @Test
    void redisBackendWithoutUriIsRefused() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.type=redis"))
                .hasMessageContaining("backend.redis.uri is empty");
    }

    @Test
    void unknownBackendTypeListsTheChoices() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.type=kafka"))
                .hasMessageContaining("is not one of memory, redis, auto");
    }

    @Test
    void badArgumentSaysTheForm() {
        assertThatThrownBy(() -> ConfigLoader.fromArgs(new String[] {"grpc.port"}, Map.of()))
                .hasMessageContaining("use --config <file> and --<key>=<value>");
        assertThat(ConfigLoader.fromArgs(new String[] {"--grpc.port=1234"}, Map.of()).grpc().port()).isEqualTo(1234);
    }

    @Test
    void missingFileIsNamed() {
        assertThatThrownBy(() -> ConfigLoader.fromArgs(new String[] {"--config", "/nonexistent.conf"}, Map.of()))
                .hasMessageContaining("/nonexistent.conf does not exist");
    }
}
