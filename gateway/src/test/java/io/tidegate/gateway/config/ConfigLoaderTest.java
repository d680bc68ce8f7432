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
    void frameLimitMustHoldAMessageOfTheLargestPayload() {
        assertThat(GatewayConfig.defaultsWith().limits().maxFrameBytes()).isEqualTo(4 * 1024 * 1024);
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("limits.max-payload-bytes=4194304"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("limits.max-frame-bytes (4194304) must be at least limits.max-payload-bytes + 65536 (4259840)");
    }

    @Test
    void transportLimitMustStayTwiceAboveTheFrameLimit() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("limits.max-frame-bytes=10000000"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("grpc.max-inbound-message-bytes (16777216) must be at least twice limits.max-frame-bytes (20000000)");
        assertThat(GatewayConfig.defaultsWith("limits.max-frame-bytes=10000000", "grpc.max-inbound-message-bytes=20000000")
                .limits().maxFrameBytes()).isEqualTo(10_000_000);
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
                .hasMessageContaining("neither backend.redis.uri nor backend.redis.cluster-nodes is set");
    }

    @Test
    void clusterNodesSwitchAutoToRedisCluster() {
        GatewayConfig c = ConfigLoader.load(null, Map.of("TIDEGATE_BACKEND_REDIS_CLUSTER_NODES",
                "redis://10.0.0.1:7000, rediss://10.0.0.2:7001"), List.of());
        assertThat(c.backend().type()).isEqualTo(GatewayConfig.BackendType.REDIS);
        assertThat(c.backend().redis().isCluster()).isTrue();
        assertThat(c.backend().redis().clusterNodes()).containsExactly("redis://10.0.0.1:7000", "rediss://10.0.0.2:7001");
        assertThat(GatewayConfig.defaultsWith().backend().redis().isCluster()).isFalse();
    }

    @Test
    void clusterNodeWithoutPortOrSchemeIsRefused() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.redis.cluster-nodes=redis://10.0.0.1:7000,10.0.0.2"))
                .hasMessageContaining("backend.redis.cluster-nodes: \"10.0.0.2\" is not a node URI with host and port");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.redis.cluster-nodes=http://10.0.0.1:7000"))
                .hasMessageContaining("is not a node URI");
    }

    @Test
    void uriAndClusterNodesTogetherAreRefused() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.redis.uri=redis://127.0.0.1:6379",
                "backend.redis.cluster-nodes=redis://127.0.0.1:7000"))
                .hasMessageContaining("backend.redis.uri and backend.redis.cluster-nodes are both set");
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

    @Test
    void otelIsOffByDefaultWithMetricsOnAndReadsItsKeys() {
        GatewayConfig.Otel off = ConfigLoader.load(null, Map.of(), List.of()).otel();
        assertThat(off.enabled()).isFalse();
        assertThat(off.metricsEnabled()).isTrue();
        assertThat(off.serviceName()).isEqualTo("tidegate-gateway");
        assertThat(off.protocol()).isEqualTo(io.tidegate.otel.OtelSettings.Protocol.HTTP_PROTOBUF);
        assertThat(off.endpoint()).isEqualTo("http://127.0.0.1:4318");

        GatewayConfig c = ConfigLoader.load(null, Map.of("TIDEGATE_OTEL_SAMPLING_RATIO", "0.01"), List.of(
                "gateway-id=gw-7", "otel.enabled=true", "otel.protocol=grpc", "otel.endpoint=http://collector:4317",
                "otel.metrics.enabled=false", "otel.log-format=json"));
        io.tidegate.otel.OtelSettings s = c.otel().settings(c.gatewayId());
        assertThat(s.tracing()).isTrue();
        assertThat(s.metrics()).isFalse();
        assertThat(s.protocol()).isEqualTo(io.tidegate.otel.OtelSettings.Protocol.GRPC);
        assertThat(s.endpoint()).isEqualTo("http://collector:4317");
        assertThat(s.samplingRatio()).isEqualTo(0.01);
        assertThat(s.serviceInstanceId()).isEqualTo("gw-7");
        assertThat(c.otel().logFormat()).isEqualTo(GatewayConfig.LogFormat.JSON);
    }

    @Test
    void badOtelValuesNameTheKey() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), List.of("otel.protocol=thrift")))
                .hasMessageContaining("otel.protocol \"thrift\" is not one of grpc, http/protobuf");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), List.of("otel.sampling-ratio=1.5")))
                .hasMessageContaining("otel.sampling-ratio must be from 0.0 to 1.0");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), List.of("otel.endpoint=localhost:4317")))
                .hasMessageContaining("otel.endpoint \"localhost:4317\" must be an http(s) URL");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), List.of("otel.log-format=xml")))
                .hasMessageContaining("otel.log-format \"xml\" is not one of text, json");
    }
}
