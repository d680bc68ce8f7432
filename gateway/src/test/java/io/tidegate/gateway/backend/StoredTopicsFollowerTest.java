package io.tidegate.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.backend.redis.RedisBackend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.resilience.BreakerReadGuard;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The gateway following stored topics on a real Redis: what retention kept, then the tail, each
 * entry once, per topic in stream order, applied on the redis backend's worker threads and never
 * on Lettuce's event loop (which also carries every append's reply).
 */
class StoredTopicsFollowerTest {

    @Test
    void entriesReadFromRedisAreAppliedOffLettucesEventLoopInStreamOrder() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            GatewayConfig config = GatewayConfig.defaultsWith("backend.type=redis", "backend.redis.uri=" + redis.uri());
            try (RedisBackend backend = new RedisBackend(config.backend().redis(), config.storage(), null,
                    new BreakerReadGuard("redis", config.resilience(), config.backend().redis().blockTimeout()))) {
                List<String> sent = new ArrayList<>();
                append(backend, sent, 0, 300); // retained before the flow starts: the rebuild
                List<String> applied = new CopyOnWriteArrayList<>();
                List<String> threads = new CopyOnWriteArrayList<>();
                StoredTopicsFollower flow = new StoredTopicsFollower(backend, "test/follower",
                        List.of("exec.commands.>", "exec.events.>"), Runnable::run, m -> {
                            applied.add(m.message().getId());
                            threads.add(Thread.currentThread().getName());
                        }, "test: orders and events");
                try {
                    flow.start();
                    await().atMost(Duration.ofSeconds(30)).until(flow::caughtUp);
                    append(backend, sent, 300, 300); // the tail, followed live
                    await().atMost(Duration.ofSeconds(30)).until(() -> applied.size() >= sent.size());
                } finally {
                    flow.close();
                }
                for (String topic : List.of("exec.events.V.s1", "exec.commands.V.s1")) {
                    assertThat(applied.stream().filter(id -> id.startsWith(topic + "/")).toList()).as(topic)
                            .containsExactlyElementsOf(sent.stream().filter(id -> id.startsWith(topic + "/")).toList());
                }
                assertThat(applied).hasSameSizeAs(sent);
                assertThat(threads).noneMatch(t -> t.startsWith("lettuce-"))
                        .allMatch(t -> t.startsWith("tidegate-redis-"));
            }
        }
    }

    private static void append(Backend backend, List<String> sent, int from, int n) {
        List<Envelope> batch = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            // commands and events interleaved: order is promised per topic (stream), so ids name their topic
            String topic = i % 2 == 0 ? "exec.events.V.s1" : "exec.commands.V.s1";
            Message m = Message.newBuilder().setTopic(topic).setId(topic + "/" + i)
                    .setPayload(ByteString.copyFromUtf8("x")).build();
            batch.add(new Envelope(m, "", System.nanoTime()));
            if (batch.size() == 50) {
                backend.append(batch).join();
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            backend.append(batch).join();
        }
        for (int i = from; i < from + n; i++) {
            sent.add((i % 2 == 0 ? "exec.events.V.s1" : "exec.commands.V.s1") + "/" + i);
        }
    }

}
