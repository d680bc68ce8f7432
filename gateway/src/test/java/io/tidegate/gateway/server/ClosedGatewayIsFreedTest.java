package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.prometheus.metrics.core.util.Scheduler;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.Message;
import java.lang.ref.WeakReference;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Gateways embedded one after another in one process (tests, benchmarks, applications) leave
 * nothing behind once closed: no thread of theirs runs on, and their parts, the dispatcher with
 * the memory backend and its stored messages among them, become unreachable. Each gateway runs with
 * metrics on and its admin port serving {@code /metrics}, since the JVM collectors' static registry
 * list once kept every closed gateway's metrics registry, and through its gauges the whole gateway.
 */
class ClosedGatewayIsFreedTest {

    private static final int GATEWAYS = 3;
    private static final int MESSAGES = 2_000;

    @Test
    void closedGatewaysBecomeUnreachableAndLeaveNoThreads() throws Exception {
        // the Prometheus client's one scheduler thread (a static of that library, started by the
        // first exemplar it samples) lives as long as the process, whichever gateway starts it
        Scheduler.awaitInitialization();
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        List<WeakReference<Object>> parts = new ArrayList<>();
        for (int g = 0; g < GATEWAYS; g++) {
            parts.addAll(runAndClose(g));
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(newThreads(before))
                .as("threads started while the gateways ran and still alive after close").isEmpty());

        for (int attempt = 0; attempt < 50 && parts.stream().anyMatch(r -> r.get() != null); attempt++) {
            System.gc();
            Thread.sleep(50);
        }
        assertThat(parts).as("parts of closed gateways still reachable").allMatch(r -> r.get() == null);
    }

    /** One gateway: a subscriber receives what a publisher sends, /metrics is scraped, then close. */
    private List<WeakReference<Object>> runAndClose(int g) throws Exception {
        EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith("grpc.host=127.0.0.1", "grpc.port=0",
                "http.host=127.0.0.1", "http.port=0", "backend.type=memory", "otel.metrics.enabled=true"));
        try (FrameClient subscriber = FrameClient.connected(gateway.target());
             FrameClient publisher = FrameClient.connected(gateway.target())) {
            subscriber.await(subscriber.subscribe(broadcast("all", "freed.>").setInitialCredit(MESSAGES)));
            for (int frame = 0; frame < MESSAGES / 100; frame++) {
                Message[] batch = new Message[100];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = msg("freed.t" + (i % 4), "gateway " + g + " message " + (frame * 100 + i));
                }
                publisher.await(publisher.publish(batch));
            }
            subscriber.awaitDeliveries("all", MESSAGES);
            String metrics = scrape(gateway.httpPort());
            // every gateway in the process, not only the first, shows the JVM's series beside its own
            assertThat(metrics).contains("jvm_threads_current", "tidegate_messages_in_total");
        }
        List<WeakReference<Object>> parts = List.of(new WeakReference<>(gateway),
                new WeakReference<>(gateway.dispatchStats()), // the ingress dispatcher: it holds the backend
                new WeakReference<>(gateway.telemetry()), new WeakReference<>(gateway.marketTap()),
                new WeakReference<>(gateway.tuning()));
        gateway.close();
        return parts;
    }

    /** Threads alive now that were not before, but for the one asking (awaitility's poller). */
    private static Set<String> newThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && t != Thread.currentThread())
                .map(Thread::getName).collect(Collectors.toSet());
    }

    /** GET /metrics on a connection closed after it, so no client thread outlives the scrape. */
    private static String scrape(int port) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/metrics").toURL()
                .openConnection();
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }
}
