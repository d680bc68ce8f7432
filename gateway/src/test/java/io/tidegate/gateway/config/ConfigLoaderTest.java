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
    void outboundBytesDefaultToAQuarterOfTheHeapAndMustHoldOneSubscriptionsWindow() {
        GatewayConfig c = ConfigLoader.load(null, Map.of(), List.of());
        assertThat(c.delivery().outboundBytes()).isEqualTo(Runtime.getRuntime().maxMemory() / 4);
        assertThat(c.delivery().outboundBytesPerSubscription()).isEqualTo(4L * 1024 * 1024);
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), List.of(
                "delivery.outbound-bytes=1048576", "delivery.outbound-bytes-per-subscription=2097152")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("delivery.outbound-bytes-per-subscription (2097152) must not exceed delivery.outbound-bytes (1048576)");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), List.of("delivery.outbound-bytes-per-subscription=1000")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("delivery.outbound-bytes-per-subscription");
    }

    @Test
    void regimeDetectionIsOnByDefaultWithBoundedInstrumentsQueueAndWatchers() {
        GatewayConfig.Intelligence d = ConfigLoader.load(null, Map.of(), List.of()).intelligence();
        assertThat(d.regimes()).isEqualTo(new GatewayConfig.Regimes(true, 10_000, 1024));
        assertThat(d.tapQueueCapacity()).isEqualTo(65_536);
        GatewayConfig.Intelligence set = ConfigLoader.load(null, Map.of("TIDEGATE_INTELLIGENCE_REGIME_ENABLED", "false"),
                List.of("intelligence.regime.max-instruments=3", "intelligence.tap-queue-capacity=10")).intelligence();
        assertThat(set.regimes().enabled()).isFalse();
        assertThat(set.regimes().maxInstruments()).isEqualTo(3);
        assertThat(set.tapQueueCapacity()).isEqualTo(10);
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), List.of("intelligence.regime.max-instruments=0")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("intelligence.regime.max-instruments");
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
    void fileKeysOutsideTheRootBlockAreRefusedNotIgnored(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, "grpc { port = 7500 }\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), List.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("key \"grpc\" is outside the tidegate block");
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
                "rediss://10.0.0.1:7000, rediss://10.0.0.2:7001"), List.of());
        assertThat(c.backend().type()).isEqualTo(GatewayConfig.BackendType.REDIS);
        assertThat(c.backend().redis().isCluster()).isTrue();
        assertThat(c.backend().redis().clusterNodes()).containsExactly("rediss://10.0.0.1:7000", "rediss://10.0.0.2:7001");
        assertThat(GatewayConfig.defaultsWith().backend().redis().isCluster()).isFalse();
    }

    @Test
    void redisLoginAndTlsFilesAreRead() {
        GatewayConfig.Redis r = GatewayConfig.defaultsWith("backend.redis.uri=rediss://redis.internal:6380",
                "backend.redis.username=tidegate", "backend.redis.password-file=/run/secrets/redis",
                "backend.redis.tls.ca-file=/etc/tidegate/redis-ca.pem", "backend.redis.tls.cert-file=/etc/tidegate/c.pem",
                "backend.redis.tls.key-file=/etc/tidegate/c.key").backend().redis();
        assertThat(r.usesTls()).isTrue();
        assertThat(r.username()).isEqualTo("tidegate");
        assertThat(r.passwordFile()).isEqualTo("/run/secrets/redis");
        assertThat(r.tls()).isEqualTo(new GatewayConfig.RedisTls("/etc/tidegate/redis-ca.pem", "/etc/tidegate/c.pem",
                "/etc/tidegate/c.key"));
    }

    @Test
    void redisTlsFilesWithAPlainRedisUriAreRefused() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.redis.uri=redis://127.0.0.1:6379",
                "backend.redis.tls.ca-file=/etc/ca.pem"))
                .hasMessageContaining("backend.redis.tls.* is set but the Redis URI uses redis://; write rediss://");
    }

    @Test
    void aRedisClientCertificateNeedsItsKey() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.redis.uri=rediss://127.0.0.1:6379",
                "backend.redis.tls.cert-file=/etc/c.pem"))
                .hasMessageStartingWith("backend.redis.tls.cert-file and backend.redis.tls.key-file go together");
    }

    @Test
    void aRedisPasswordInTheUriAndAPasswordFileAreRefusedTogether() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.redis.uri=redis://u:pw-in-uri@127.0.0.1:6379",
                "backend.redis.password-file=/run/secrets/redis"))
                .hasMessageContaining("has a password and backend.redis.password-file is set too")
                .hasMessageNotContaining("pw-in-uri");
    }

    @Test
    void aRedisUsernameWithoutAPasswordIsRefused() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.redis.uri=redis://127.0.0.1:6379",
                "backend.redis.username=tidegate"))
                .hasMessageContaining("backend.redis.username is set but no password is");
    }

    @Test
    void redisConfigPrintsWithoutThePasswordOfItsUri() {
        GatewayConfig.Redis r = GatewayConfig.defaultsWith("backend.redis.uri=redis://u:hidden-pw@127.0.0.1:6379")
                .backend().redis();
        assertThat(r.toString()).doesNotContain("hidden-pw").contains("redis://***@127.0.0.1:6379");
    }

    @Test
    void clusterNodesMustAllUseTheSameScheme() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.redis.cluster-nodes=redis://10.0.0.1:7000,rediss://10.0.0.2:7000"))
                .hasMessageContaining("mix redis:// and rediss://");
    }

    @Test
    void clusterNodeWithoutPortOrSchemeIsRefused() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.redis.cluster-nodes=redis://10.0.0.1:7000,10.0.0.2"))
                .hasMessageStartingWith("backend.redis.cluster-nodes: node \"10.0.0.2\" is not a URL");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.redis.cluster-nodes=redis://10.0.0.2"))
                .hasMessageContaining("names no port; a cluster seed needs one");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("backend.redis.cluster-nodes=http://10.0.0.1:7000"))
                .hasMessageContaining("has scheme \"http\"; the scheme must be redis or rediss");
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
    void balancerIsPullByDefaultAndAnUnknownOneListsTheChoices() {
        assertThat(GatewayConfig.defaultsWith().delivery().balancing().kind())
                .isEqualTo(io.tidegate.intelligence.balancing.BalancerKind.PULL);
        assertThat(GatewayConfig.defaultsWith("delivery.balancer=Predictive").delivery().balancing().kind())
                .isEqualTo(io.tidegate.intelligence.balancing.BalancerKind.PREDICTIVE);
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("delivery.balancer=random"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("delivery.balancer must be pull or predictive, got 'random'");
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

    /** The message of the InvalidConfigException that loading these overrides throws; it must be one line. */
    private static String refusal(String... overrides) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> GatewayConfig.defaultsWith(overrides));
        assertThat(t).as("refused: %s", List.of(overrides)).isInstanceOf(InvalidConfigException.class);
        assertThat(t.getMessage()).doesNotContain("\n");
        return t.getMessage();
    }

    @Test
    void malformedRedisUrisNameTheKeyAndTheForm() {
        assertThat(refusal("backend.redis.uri=notaurl"))
                .startsWith("backend.redis.uri \"notaurl\" is not a URL; expected redis://");
        assertThat(refusal("backend.redis.uri=http://127.0.0.1:6379"))
                .startsWith("backend.redis.uri \"http://127.0.0.1:6379\" has scheme \"http\"; the scheme must be redis or rediss");
        assertThat(refusal("backend.redis.uri=redis://127.0.0.1:99999"))
                .startsWith("backend.redis.uri \"redis://127.0.0.1:99999\" has port \"99999\"; the port must be from 1 to 65535");
        assertThat(refusal("backend.redis.uri=redis://127.0.0.1:0")).contains("the port must be from 1 to 65535");
        assertThat(refusal("backend.redis.uri=redis://127.0.0.1:port")).contains("has port \"port\"");
        assertThat(refusal("backend.redis.uri=redis://127.0.0.1:")).contains("has an empty port");
        assertThat(refusal("backend.redis.uri=redis://:6379")).contains("names no host");
        assertThat(refusal("backend.redis.uri=redis://bad host:6379")).contains("is not a host name or IP address");
        assertThat(refusal("backend.redis.uri=redis://127.0.0.1:6379/db1"))
                .contains("the path can only be a database number");
        assertThat(refusal("backend.redis.uri=redis://127.0.0.1:6379?timeout=5s")).contains("has a query");
        assertThat(refusal("backend.redis.uri=redis://user:@127.0.0.1:6379")).contains("has an empty password");
    }

    @Test
    void aRefusedRedisUriNeverEchoesItsPassword() {
        assertThat(refusal("backend.redis.uri=redis://:s3cret@127.0.0.1:99999"))
                .startsWith("backend.redis.uri \"redis://:***@127.0.0.1:99999\"").doesNotContain("s3cret");
        assertThat(refusal("backend.redis.uri=http://alice:s3cret@127.0.0.1:6379")).doesNotContain("s3cret");
    }

    @Test
    void wellFormedRedisUrisAreAccepted() {
        for (String uri : List.of("redis://127.0.0.1:6379", "redis://localhost", "rediss://cache.example.com:6380/2",
                "redis://:secret@10.0.0.1:6379/0", "redis://default:secret@10.0.0.1:6379", "redis://[::1]:6379")) {
            assertThat(GatewayConfig.defaultsWith("backend.redis.uri=" + uri).backend().redis().uri()).isEqualTo(uri);
        }
    }

    @Test
    void clusterNodesMustBeRedisUrisWithPortAndDatabaseZero() {
        assertThat(refusal("backend.redis.cluster-nodes=redis://10.0.0.1:7000,redis://10.0.0.2:99999"))
                .startsWith("backend.redis.cluster-nodes: node \"redis://10.0.0.2:99999\" has port");
        assertThat(refusal("backend.redis.cluster-nodes=redis://10.0.0.1:7000/3"))
                .contains("Redis Cluster has database 0 only");
    }

    @Test
    void listenAddressesMustBeHostsAndPortsMustDiffer() {
        assertThat(refusal("grpc.host=not a host")).startsWith("grpc.host \"not a host\" must be a host name or IP address");
        assertThat(refusal("http.host=not a host")).startsWith("http.host \"not a host\" must be a host name");
        assertThat(refusal("grpc.port=7500", "http.port=7500")).isEqualTo("http.port (7500) must differ from grpc.port "
                + "(7500); give the admin port another number, 0 for a free one or -1 for none");
        assertThat(GatewayConfig.defaultsWith("grpc.port=0", "http.port=0").http().port()).isZero();
    }

    @Test
    void aBatchLimitAboveTheQueueCapacityIsRefused() {
        assertThat(refusal("limits.max-batch-messages=5000", "dispatch.ingress-queue-capacity=1000"))
                .isEqualTo("limits.max-batch-messages (5000) must not exceed dispatch.ingress-queue-capacity (1000)");
    }

    @Test
    void aSpoolDirThatCannotBeADirectoryIsRefused(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertThat(refusal("backend.redis.uri=redis://127.0.0.1:6379", "resilience.spool.dir=" + file.resolve("spool")))
                .startsWith("resilience.spool.dir \"" + file.resolve("spool") + "\" cannot be a directory: " + file + " is a file");
        assertThat(refusal("backend.redis.uri=redis://127.0.0.1:6379", "resilience.spool.dir=" + file))
                .contains("cannot be a directory");
    }

    @Test
    void badDurationsSizesAndEnumsNameTheKey() {
        assertThat(refusal("shutdown.drain-timeout=-1s")).startsWith("shutdown.drain-timeout must be from 0s to 10m");
        assertThat(refusal("resilience.call-timeout=fast")).startsWith("resilience.call-timeout must be a duration");
        assertThat(refusal("resilience.spool.max-bytes=1KB")).startsWith("resilience.spool.max-bytes must be a whole number");
        assertThat(refusal("resilience.spool.fsync=sometimes")).contains("is not one of always, interval, never");
        assertThat(refusal("resilience.enabled=maybe")).isEqualTo("resilience.enabled must be true or false, got \"maybe\"");
    }

    @Test
    void aSectionReplacedByAValueIsOneLine() {
        assertThat(refusal("grpc=5")).startsWith("grpc.");
    }

    @Test
    void anUnresolvedSubstitutionInTheFileIsOneLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, "tidegate { grpc.port = ${nowhere} }");
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), List.of()))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("nowhere");
    }

    @Test
    void aMalformedUriFromTheEnvironmentIsRefusedToo() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("TIDEGATE_BACKEND_REDIS_URI", "notaurl"), List.of()))
                .isInstanceOf(InvalidConfigException.class).hasMessageStartingWith("backend.redis.uri \"notaurl\"");
    }

    @Test
    void arbitrageIsOffByDefaultAndVenueTermsFallBackToTheDefaults(@TempDir Path dir) throws Exception {
        assertThat(ConfigLoader.load(null, Map.of(), List.of()).arbitrage().enabled()).isFalse();
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, """
                tidegate.intelligence.arbitrage {
                  enabled = true
                  default { taker-fee-bps = 7 }
                  venues { binance { min-size = 0.001 }, "BYBIT" { segment = linear, taker-fee-bps = 5.5 } }
                }
                """);
        GatewayConfig.Arbitrage a = ConfigLoader.load(file, Map.of(), List.of()).arbitrage();
        assertThat(a.enabled()).isTrue();
        assertThat(a.venue("Binance")).isEqualTo(new GatewayConfig.ArbitrageVenue(7, 0.001, "spot"));
        assertThat(a.venue("BYBIT")).isEqualTo(new GatewayConfig.ArbitrageVenue(5.5, 0, "linear"));
        assertThat(a.venue("OKX")).isEqualTo(new GatewayConfig.ArbitrageVenue(7, 0, "spot"));
    }

    @Test
    void aBadArbitrageVenueSettingNamesTheKey() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), List.of("intelligence.arbitrage.venues.OKX.segment=swap")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("intelligence.arbitrage.venues.OKX.segment \"swap\" is not one of spot, linear, inverse, quanto, option");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), List.of("intelligence.arbitrage.venues.OKX.fee=3")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("intelligence.arbitrage.venues.OKX must be an object with some of taker-fee-bps");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), List.of("intelligence.arbitrage.default.taker-fee-bps=-1")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("intelligence.arbitrage.default.taker-fee-bps must be from 0.0 to 1000.0, got -1.0");
    }

    @Test
    void withoutTlsAndAuthenticationBothListenersDefaultToLoopback() {
        GatewayConfig config = GatewayConfig.defaultsWith();
        assertThat(config.grpc().host()).isEqualTo("127.0.0.1");
        assertThat(config.http().host()).isEqualTo("127.0.0.1");
        assertThat(config.security().secure()).isFalse();
    }

    @Test
    void aNonLoopbackAddressWithoutTlsAndAuthenticationIsRefusedUnlessExplicitlyAllowed() {
        assertThat(refusal("grpc.host=0.0.0.0")).startsWith("grpc.host \"0.0.0.0\" is not a loopback address")
                .contains("security.allow-insecure-bind=true", "docs/security.md");
        assertThat(refusal("http.host=10.1.2.3")).startsWith("http.host \"10.1.2.3\" is not a loopback address");
        GatewayConfig allowed = GatewayConfig.defaultsWith("grpc.host=0.0.0.0", "security.allow-insecure-bind=true");
        assertThat(allowed.grpc().host()).isEqualTo("0.0.0.0");
        assertThat(GatewayConfig.defaultsWith("grpc.host=localhost", "http.host=::1").grpc().host()).isEqualTo("localhost");
    }

    @Test
    void withTlsAndAuthenticationTheDefaultIsEveryInterface() {
        GatewayConfig config = GatewayConfig.defaultsWith("security.tls.cert-chain-file=/etc/tidegate/server.pem",
                "security.tls.private-key-file=/etc/tidegate/server.key",
                "security.api-tokens.ops.sha256=" + "a".repeat(64), "http.auth=token");
        assertThat(config.security().secure()).isTrue();
        assertThat(config.grpc().host()).isEqualTo("0.0.0.0");
        assertThat(config.http().host()).isEqualTo("0.0.0.0");
        assertThat(GatewayConfig.defaultsWith("security.tls.cert-chain-file=/c", "security.tls.private-key-file=/k",
                "security.api-tokens.ops.sha256=" + "a".repeat(64)).http().host())
                .as("an admin port without http.auth stays on loopback").isEqualTo("127.0.0.1");
    }

    @Test
    void securityRequireRefusesAGatewayWithoutTlsAndAuthentication() {
        assertThat(refusal("security.require=true")).startsWith("security.require is true but the gateway has no TLS")
                .contains("and no authentication");
        assertThat(refusal("security.require=true", "security.tls.cert-chain-file=/c", "security.tls.private-key-file=/k"))
                .contains("no authentication").doesNotContain("no TLS");
        assertThat(refusal("security.require=true", "security.tls.cert-chain-file=/c", "security.tls.private-key-file=/k",
                "security.api-tokens.ops.sha256=" + "a".repeat(64))).contains("admin port", "http.auth=none");
        assertThat(GatewayConfig.defaultsWith("security.require=true", "security.tls.cert-chain-file=/c",
                "security.tls.private-key-file=/k", "security.api-tokens.ops.sha256=" + "a".repeat(64), "http.port=-1")
                .security().require()).isTrue();
    }

    @Test
    void securitySettingsThatCannotWorkAreRefusedNamingTheKey() {
        assertThat(refusal("security.tls.cert-chain-file=/c")).contains("security.tls.private-key-file go together");
        assertThat(refusal("security.tls.client-auth=require")).startsWith("security.tls.client-auth is require");
        assertThat(refusal("security.tls.client-identity=email")).contains("san-uri, san-dns, cn");
        assertThat(refusal("security.jwt.hmac-secret=short")).contains("shorter than 32 bytes");
        assertThat(refusal("security.jwt.hmac-secret=" + "s".repeat(32), "security.jwt.jwks-file=/j")).contains("both set");
        assertThat(refusal("security.api-tokens.ops.sha256=abc")).contains("64 hex digits", "sha256sum");
        assertThat(refusal("security.api-tokens.ops.sha256=" + "a".repeat(64), "security.api-tokens.ci.sha256=" + "a".repeat(64)))
                .contains("each identity needs a token of its own");
        assertThat(refusal("security.api-tokens.ops.token=x")).contains("unknown config key", "sha256 and roles");
        assertThat(refusal("http.auth=token")).contains("no tokens are configured");
        assertThat(refusal("http.auth=mtls")).contains("client-ca-file");
        assertThat(refusal("http.auth=basic")).contains("none, token, mtls");
    }

    @Test
    void theHmacSecretNeverAppearsWhenTheConfigurationIsPrinted() {
        String secret = "a-secret-of-at-least-thirty-two-bytes!";
        GatewayConfig config = GatewayConfig.defaultsWith("security.jwt.hmac-secret=" + secret);
        assertThat(config.toString()).doesNotContain(secret);
    }
}
