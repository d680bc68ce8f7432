package io.tidegate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.group;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.awaitility.Awaitility.await;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.alerting.DefaultRules;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.testkit.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code deploy/prometheus/tidegate-alerts.yml} stays the equivalent of the built-in rules: one
 * Prometheus rule per built-in rule, of the same name and severity, and every metric its
 * expressions name is exposed by a real gateway's {@code /metrics} (Redis backend, so the
 * breaker and spool metrics are there too).
 */
class PrometheusAlertRulesTest {

    private static final Pattern METRIC = Pattern.compile("\\btidegate_[a-z_]+");

    @TempDir
    Path spool;

    private static Set<String> exposed(EmbeddedGateway gateway) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toSet());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules() throws Exception {
        Map<String, Object> file = new Yaml().load(Files.readString(Path.of("..", "deploy", "prometheus", "tidegate-alerts.yml")));
        List<Map<String, Object>> groups = (List<Map<String, Object>>) file.get("groups");
        return groups.stream().flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream()).toList();
    }

    @Test
    void thereIsOnePrometheusRuleOfTheSameNameAndSeverityPerBuiltInRule() throws Exception {
        GatewayConfig.Alerts defaults = GatewayConfig.defaultsWith().ops().alerts();
        @SuppressWarnings("unchecked")
        Map<String, String> prometheus = rules().stream().collect(Collectors.toMap(r -> (String) r.get("alert"),
                r -> (String) ((Map<String, Object>) r.get("labels")).get("severity")));
        Map<String, String> builtIn = DefaultRules.builtIn(defaults).stream().collect(Collectors.toMap(
                GatewayConfig.AlertRule::name, r -> r.severity().name().toLowerCase(java.util.Locale.ROOT)));
        assertThat(prometheus).isEqualTo(builtIn);
    }

    /** A Prometheus duration of one unit ({@code 10s}, {@code 2m}); absent is zero. */
    private static java.time.Duration duration(Object value) {
        if (value == null) {
            return java.time.Duration.ZERO;
        }
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher((String) value);
        assertThat(m.matches()).as("a Prometheus duration: %s", value).isTrue();
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "s" -> java.time.Duration.ofSeconds(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            default -> java.time.Duration.ofHours(n);
        };
    }

    /**
     * {@code for} is the built-in rule's {@code for} and {@code keep_firing_for} (Prometheus 2.42 or
     * later) its resolve-after, so both fire and resolve alike.
     */
    @Test
    void thePrometheusRulesWaitAsLongBeforeFiringAndBeforeResolvingAsTheBuiltInOnes() throws Exception {
        GatewayConfig.Alerts defaults = GatewayConfig.defaultsWith().ops().alerts();
        Map<String, List<java.time.Duration>> prometheus = rules().stream().collect(Collectors.toMap(
                r -> (String) r.get("alert"), r -> List.of(duration(r.get("for")), duration(r.get("keep_firing_for")))));
        Map<String, List<java.time.Duration>> builtIn = DefaultRules.builtIn(defaults).stream().collect(Collectors.toMap(
                GatewayConfig.AlertRule::name, r -> List.of(r.forDuration(), r.resolveAfter())));
        assertThat(prometheus).isEqualTo(builtIn);
        assertThat(builtIn.values()).allSatisfy(d -> assertThat(d.get(1)).as("hysteresis").isPositive());
    }

    @Test
    void everyMetricTheRulesNameIsExposedByARealGateway() throws Exception {
        Set<String> named = new TreeSet<>();
        for (Map<String, Object> rule : rules()) {
            Matcher m = METRIC.matcher((String) rule.get("expr"));
            while (m.find()) {
                named.add(m.group());
            }
        }
        assertThat(named).contains("tidegate_messages_in_total", "tidegate_spool_fill_ratio", "tidegate_health");
        try (RedisServer redis = RedisServer.start();
             EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith("grpc.host=127.0.0.1",
                     "grpc.port=0", "http.port=0", "backend.redis.uri=" + redis.uri(), "resilience.spool.dir=" + spool,
                     "otel.metrics.consumer-lag-interval=100ms"));
             FrameClient member = FrameClient.connected(gateway.target());
             FrameClient publisher = FrameClient.connected(gateway.target())) {
            // traffic and a consumer group, so the series that need them exist
            member.await(member.subscribe(group("g", "workers", "feed.>").setInitialCredit(1)));
            publisher.await(publisher.publish(msg("feed.quotes.X", "1"), msg("feed.quotes.X", "2")));
            await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() -> assertThat(exposed(gateway)).containsAll(named));
        }
    }
}
