package io.tidegate.gateway.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * An enabled controller on a real gateway (memory backend) under publish load over gRPC: it moves
 * the dispatcher's live max batch, and {@code POST /admin/tuning/freeze} on the admin port stops
 * every move until {@code /admin/tuning/unfreeze}.
 */
class LiveTuningTest {

    private static final String MAX_BATCH = "dispatch.max-batch";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void movesTheLiveMaxBatchUnderLoadAndTheAdminFreezeStopsIt() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith(
                "grpc.host=127.0.0.1", "grpc.port=0", "http.host=127.0.0.1", "http.port=0", "backend.type=memory",
                "tuning.enabled=true", "tuning.interval=20ms", "tuning.window=2", "tuning.settle=1",
                // explores again as soon as it settles, so steps follow the unfreeze however long the load ran
                "tuning.re-explore-after=0s"))) {
            ManagedChannel channel = ManagedChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong published = new AtomicLong();
            List<Thread> publishers = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                Thread t = new Thread(() -> publish(channel, running, published), "test-publisher-" + p);
                t.start();
                publishers.add(t);
            }
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> published.get() >= 10_000);
                long stepsUnderLoad = steps(gateway.tuning().settings());
                // a max batch other than the configured one, seen while the publishes flow
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(2))
                        .until(() -> maxBatch(gateway).value() != 1024 && steps(gateway.tuning().settings()) >= stepsUnderLoad);

                HttpResponse<String> frozen = post(gateway, "/admin/tuning/freeze");
                assertThat(frozen.statusCode()).isEqualTo(200);
                assertThat(frozen.body()).contains("\"frozen\":true").contains(MAX_BATCH);
                assertThat(gateway.tuning().frozen()).isTrue();
                Thread.sleep(200); // the interval after the freeze reverts a step on trial
                var atFreeze = gateway.tuning().settings();
                long publishedAtFreeze = published.get();
                Thread.sleep(1000); // fifty intervals
                assertThat(published.get()).as("load went on").isGreaterThan(publishedAtFreeze);
                assertThat(gateway.tuning().settings()).as("no value moved, no step tried").isEqualTo(atFreeze);

                assertThat(post(gateway, "/admin/tuning/unfreeze").body()).contains("\"frozen\":false");
                await().atMost(Duration.ofSeconds(30)).until(() -> steps(gateway.tuning().settings()) > steps(atFreeze));
                HttpResponse<String> state = http.send(HttpRequest.newBuilder(admin(gateway, "/admin/tuning")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(state.statusCode()).isEqualTo(200);
                assertThat(state.body()).contains("\"enabled\":true").contains("\"min\":16").contains("\"max\":4096");
            } finally {
                running.set(false);
                for (Thread t : publishers) {
                    t.join(5000);
                }
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static long steps(List<TuningController.SettingView> settings) {
        return settings.stream().mapToLong(s -> s.kept() + s.reverted()).sum();
    }

    @Test
    void anUnknownTuningPathSaysWhatToUse() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith(
                "grpc.host=127.0.0.1", "grpc.port=0", "http.host=127.0.0.1", "http.port=0", "backend.type=memory"))) {
            HttpResponse<String> r = post(gateway, "/admin/tuning/faster");
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).contains("/admin/tuning/freeze");
            assertThat(post(gateway, "/admin/tuning/freeze").body()).contains("\"enabled\":false").contains("\"frozen\":true");
        }
    }

    private static TuningController.SettingView maxBatch(EmbeddedGateway gateway) {
        return gateway.tuning().settings().stream().filter(s -> s.name().equals(MAX_BATCH)).findFirst().orElseThrow();
    }

    private static void publish(ManagedChannel channel, AtomicBoolean running, AtomicLong published) {
        var stub = GatewayServiceGrpc.newBlockingStub(channel);
        ByteString payload = ByteString.copyFrom(new byte[100]);
        long n = 0;
        while (running.get()) {
            PublishRequest.Builder request = PublishRequest.newBuilder();
            for (int i = 0; i < 200; i++) {
                request.addMessages(Message.newBuilder().setTopic("load.t" + (i % 4)).setId(Thread.currentThread().getName() + "-" + n++)
                        .setPayload(payload));
            }
            stub.withDeadlineAfter(10, TimeUnit.SECONDS).publish(request.build());
            published.addAndGet(200);
        }
    }

    private URI admin(EmbeddedGateway gateway, String path) {
        return URI.create("http://127.0.0.1:" + gateway.httpPort() + path);
    }

    private HttpResponse<String> post(EmbeddedGateway gateway, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(admin(gateway, path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
