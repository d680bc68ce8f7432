package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.group;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.testkit.RedisServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} of a real Redis-backed gateway under real gRPC traffic, parsed by the
 * Prometheus text format's rules ({@link PrometheusExposition}): every metric of the metrics
 * table in {@code docs/observability.md} is there under its Prometheus name, with its type and exactly its labels, and
 * nothing else is (no {@code target_info}, no {@code otel_scope_*} labels) but the JVM, process and
 * gRPC server families; and the Grafana dashboard names only metrics that are there.
 */
class MetricsExpositionTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    /** The metrics table of docs/observability.md: Prometheus name, type, label names. */
    private static final Map<String, Metric> DOCUMENTED = Map.ofEntries(
            metric("tidegate_messages_in_total", "counter", "topic_class", "priority"),
            metric("tidegate_messages_out_total", "counter", "topic_class", "priority"),
            metric("tidegate_publish_to_deliver_duration_seconds", "histogram", "priority"),
            metric("tidegate_queue_delay_seconds", "histogram", "priority"),
            metric("tidegate_queue_depth", "gauge", "priority"),
            metric("tidegate_workers", "gauge"),
            metric("tidegate_clients_connected", "gauge"),
            metric("tidegate_outbound_queued_bytes", "gauge"),
            metric("tidegate_outbound_short_reservations_total", "counter"),
            metric("tidegate_breaker_state", "gauge", "backend", "breaker", "state"),
            metric("tidegate_conflated_total", "counter"),
            metric("tidegate_spool_size_bytes", "gauge", "backend"),
            metric("tidegate_spool_pending", "gauge", "backend"),
            metric("tidegate_spool_fill_ratio", "gauge", "backend"),
            metric("tidegate_subscribers_stalled", "gauge"),
            metric("tidegate_alerts", "gauge", "state"),
            metric("tidegate_alerts_leader", "gauge"),
            metric("tidegate_health", "gauge", "component"),
            metric("tidegate_remediation_actions_total", "counter", "action", "outcome"),
            metric("tidegate_consumer_lag", "gauge", "group"),
            metric("tidegate_backend_resets_total", "counter"),
            metric("tidegate_backend_refused_commands_total", "counter"),
            metric("tidegate_auth_refusals_total", "counter", "reason"),
            metric("tidegate_risk_refusals_total", "counter", "rule"),
            metric("tidegate_regime_changes_total", "counter", "regime"),
            metric("tidegate_regime_instruments", "gauge"),
            metric("tidegate_intel_dropped_total", "counter", "reason"),
            metric("tidegate_books", "gauge"),
            metric("tidegate_books_lost_total", "counter"),
            metric("tidegate_delivery_gaps_total", "counter"),
            metric("tidegate_delivery_lost_to_retention_total", "counter"),
            metric("tidegate_instruments_listings", "gauge"),
            metric("tidegate_instruments_learned_aliases", "gauge"),
            metric("tidegate_instruments_refused_total", "counter"),
            metric("tidegate_instrument_aliases_learned_total", "counter"),
            metric("tidegate_instrument_proposals_pending", "gauge"),
            metric("tidegate_instrument_proposals_evicted_total", "counter"),
            metric("tidegate_consumer_pending", "gauge", "group"),
            metric("tidegate_replicas", "gauge", "state"),
            metric("tidegate_topic_messages_in_total", "counter", "topic_kind", "venue", "instrument"),
            metric("tidegate_topic_messages_out_total", "counter", "topic_kind", "venue", "instrument"),
            metric("tidegate_topic_last_message_age_seconds", "gauge", "topic_kind", "venue", "instrument"),
            metric("tidegate_tuning_value", "gauge", "setting"),
            metric("tidegate_tuning_steps_total", "counter", "setting", "outcome"),
            // JVM and process (Prometheus client collectors)
            metric("jvm_memory_used_bytes", "gauge", "area"),
            metric("jvm_memory_pool_used_bytes", "gauge", "pool"),
            metric("jvm_threads_current", "gauge"),
            metric("jvm_threads_state", "gauge", "state"),
            metric("jvm_gc_collection_seconds", "summary", "gc"),
            metric("jvm_classes_currently_loaded", "gauge"),
            metric("process_cpu_seconds_total", "counter"),
            metric("process_resident_memory_bytes", "gauge"),
            metric("process_open_fds", "gauge"),
            metric("process_start_time_seconds", "gauge"),
            // gRPC server calls (grpc-java's OpenTelemetry module)
            metric("grpc_server_call_started_total", "counter", "grpc_method"),
            metric("grpc_server_call_duration_seconds", "histogram", "grpc_method", "grpc_status"),
            metric("grpc_server_call_sent_total_compressed_message_size_bytes", "histogram", "grpc_method", "grpc_status"),
            metric("grpc_server_call_rcvd_total_compressed_message_size_bytes", "histogram", "grpc_method", "grpc_status"));

    private record Metric(String type, Set<String> labels) {
    }

    private static Map.Entry<String, Metric> metric(String name, String type, String... labels) {
        return Map.entry(name, new Metric(type, Set.of(labels)));
    }

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyDocumentedMetricIsExposedWithItsTypeAndLabelsInAValidExposition(@TempDir Path spool) throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith(
                "grpc.host=127.0.0.1", "grpc.port=0", "http.host=127.0.0.1", "http.port=0",
                "backend.redis.uri=" + REDIS.uri(), "resilience.spool.dir=" + spool,
                "otel.metrics.consumer-lag-interval=100ms"));
             FrameClient subscriber = FrameClient.connected(gateway.target());
             FrameClient member = FrameClient.connected(gateway.target());
             FrameClient publisher = FrameClient.connected(gateway.target())) {
            subscriber.await(subscriber.subscribe(broadcast("all", "load.>")));
            member.await(member.subscribe(group("g", "workers", "load.>").setInitialCredit(1)));
            Message[] batch = new Message[20];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = msg("load.quotes.X", "q" + i, i % 2 == 0 ? Priority.PRIORITY_CRITICAL : Priority.PRIORITY_BULK);
            }
            publisher.await(publisher.publish(batch));
            subscriber.awaitDeliveries("all", batch.length);
            healthCheck(gateway); // a finished call: the gRPC duration and size histograms have a sample

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                PrometheusExposition exposition = PrometheusExposition.parse(scrape(gateway));
                DOCUMENTED.forEach((name, expected) -> {
                    PrometheusExposition.Family family = exposition.families().get(name);
                    assertThat(family).as(name).isNotNull();
                    assertThat(family.type()).as(name).isEqualTo(expected.type());
                    assertThat(family.samples()).as(name).isNotEmpty().allSatisfy(s -> {
                        Set<String> labels = new TreeSet<>(s.labels().keySet());
                        labels.remove("le");
                        assertThat(labels).as(s.toString()).isEqualTo(new TreeSet<>(expected.labels()));
                    });
                });
                assertThat(exposition.families().keySet()).as("only the gateway's, the JVM's, the process's and gRPC's metrics")
                        .allMatch(n -> n.startsWith("tidegate_") || n.startsWith("jvm_") || n.startsWith("process_")
                                || n.startsWith("grpc_server_"));
                assertDashboardNamesOnlyExposedMetrics(exposition);
                assertThat(exposition.families().get("tidegate_topic_messages_in_total").samples())
                        .as("per-topic counts split the topic into kind, venue and instrument")
                        .anySatisfy(x -> assertThat(x.labels()).containsEntry("topic_kind", "load.quotes")
                                .containsEntry("venue", "X").containsEntry("instrument", ""));
            });
        }
    }

    /**
     * The shipped Grafana dashboard is valid JSON and every metric its queries name is one this
     * gateway exposes (a sample name: a family, or a histogram's {@code _bucket} / {@code _sum}).
     */
    static void assertDashboardNamesOnlyExposedMetrics(PrometheusExposition exposition) throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(Path.of("..", "deploy", "grafana", "tidegate-dashboard.json")));
        Set<String> samples = new TreeSet<>();
        exposition.families().values().forEach(f -> f.samples().forEach(x -> samples.add(x.name())));
        Set<String> named = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                Matcher m = METRIC_NAME.matcher(target.get("expr").asText());
                while (m.find()) {
                    named.add(m.group());
                }
            }
        }
        assertThat(named).as("metric names in the dashboard's queries").hasSizeGreaterThan(20);
        assertThat(samples).as("/metrics of a real gateway").containsAll(named);
    }

    private static final Pattern METRIC_NAME = Pattern.compile("\\b(tidegate|jvm|process|grpc_server)_[a-z0-9_]+\\b");

    @Test
    void theObservabilityDocsMetricsTableListsTheseNames() throws Exception {
        String docs = Files.readString(Path.of("..", "docs", "observability.md"));
        DOCUMENTED.keySet().forEach(name -> assertThat(docs).contains("`" + name + "`"));
    }

    private static void healthCheck(EmbeddedGateway gateway) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
        try {
            HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private String scrape(EmbeddedGateway gateway) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        return r.body();
    }
}
