package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK keeps every publish frame within the gateway's advertised {@code max_frame_bytes}:
 * a batch of messages each within the payload limit, together far over the frame limit, goes
 * out as several frames, and a subscription on the same stream is untouched. Scaled down: 17
 * messages of a 16 KiB payload against a 100 kB frame limit stand for 17 MiB against 16 MiB.
 */
class PublishFrameSplittingTest {

    private static final int MAX_PAYLOAD = 16 * 1024;
    private static final int MAX_FRAME = 100_000;

    private EmbeddedGateway gateway;
    private TidegateClient client;

    @BeforeEach
    void start() {
        gateway = EmbeddedGateway.startOnLoopback("limits.max-payload-bytes=" + MAX_PAYLOAD,
                "limits.max-frame-bytes=" + MAX_FRAME, "grpc.max-inbound-message-bytes=" + 1024 * 1024);
        // a linger far longer than the test: batches leave only when full or flushed, so all 17
        // messages are queued together and must be split by bytes
        client = TidegateClient.builder().endpoints(gateway.target()).clientName("splitter")
                .linger(Duration.ofHours(1)).closeTimeout(Duration.ofSeconds(1)).build();
    }

    @AfterEach
    void stop() {
        client.close();
        gateway.close();
    }

    private static Message fullPayload(String topic, int i) {
        byte[] payload = new byte[MAX_PAYLOAD];
        payload[0] = (byte) i;
        return Message.newBuilder().setTopic(topic).setPayload(ByteString.copyFrom(payload)).build();
    }

    @Test
    void batchOverTheFrameLimitIsSplitAndTheSubscriptionOnTheStreamSurvives() throws Exception {
        List<Integer> got = new CopyOnWriteArrayList<>();
        client.subscribe(SubscriptionOptions.broadcast("split.big"), m -> got.add((int) m.message().getPayload().byteAt(0)))
                .confirmed().get();
        assertThat(client.welcome().getLimits().getMaxFrameBytes()).isEqualTo(MAX_FRAME);

        List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            futures.add(client.publish(fullPayload("split.big", i)));
        }
        client.flush();
        for (CompletableFuture<PublishReceipt> f : futures) {
            assertThat(f.get(10, TimeUnit.SECONDS).position()).isNotNull();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 17);
        assertThat(got).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 17).boxed().toList());

        // the same stream still carries publishes and deliveries
        CompletableFuture<PublishReceipt> after = client.publish(fullPayload("split.big", 99));
        client.flush();
        assertThat(after.get(10, TimeUnit.SECONDS).position()).isNotNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 18);
        assertThat(client.welcome().getSessionId()).isNotEmpty();
    }

    @Test
    void messageLargerThanAFrameIsRefusedLocallyNamingTheLimit() throws Exception {
        // within max-payload-bytes, but its headers push it over max-frame-bytes
        Message huge = fullPayload("split.huge", 0).toBuilder().putHeaders("padding", "x".repeat(MAX_FRAME)).build();
        CompletableFuture<PublishReceipt> refused = client.publish(huge);
        CompletableFuture<PublishReceipt> fine = client.publish(fullPayload("split.huge", 1));
        client.flush();
        assertThatThrownBy(refused::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOfSatisfying(PublishException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getMessage()).contains("max_frame_bytes").contains(String.valueOf(MAX_FRAME));
                });
        assertThat(fine.get(10, TimeUnit.SECONDS).position()).isNotNull();
    }
}
