package io.tidegate.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.ForwardingBackend;
import io.tidegate.gateway.backend.redis.RedisBackend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.resilience.BreakerReadGuard;
import io.tidegate.gateway.resilience.DiskSpool;
import io.tidegate.gateway.resilience.ResilientBackend;
import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.testkit.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A key's claim in the ingress lanes holds through the resilience layer's ordered retry: with
 * several dispatch workers over a real redis-server, an append whose answer times out (Redis
 * stored it; the answer was lost) is retried, and no later batch of its key reaches Redis before
 * the retry is answered. Batches of other keys answered meanwhile do not break any key's order,
 * and the resilience layer neither counts nor logs them as reordered.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeyOrderAcrossRetriedAppendTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final int KEYS = 6;
    private static final int PER_KEY = 150;
    private static final String TOPIC = "orders.retried";

    @TempDir
    Path spoolDir;

    private String prefix;
    private AnswerHoldingBackend holding;
    private ResilientBackend resilient;
    private IngressDispatcher dispatcher;
    private final Logger resilienceLog = (Logger) LoggerFactory.getLogger(ResilientBackend.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void start() {
        prefix = "r" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        lines.start();
        resilienceLog.addAppender(lines);
        GatewayConfig config = GatewayConfig.defaultsWith("backend.type=redis", "backend.redis.uri=" + REDIS.uri(),
                "backend.redis.key-prefix=" + prefix, "gateway-id=gw-" + prefix,
                "resilience.retry.initial-backoff=2ms");
        GatewayConfig.Redis redis = config.backend().redis();
        RedisBackend backend = new RedisBackend(redis, config.storage(), null,
                new BreakerReadGuard("redis", config.resilience(), redis.blockTimeout()));
        holding = new AnswerHoldingBackend(backend);
        DiskSpool spool = DiskSpool.open(spoolDir, config.resilience().spool());
        resilient = new ResilientBackend(holding, spool, config.resilience(), 100);
        GatewayConfig.Scheduling scheduling = new GatewayConfig.Scheduling(PolicyKind.STRICT,
                SchedulingConfig.defaults(), List.of());
        dispatcher = new IngressDispatcher(resilient,
                new GatewayConfig.Dispatch(100_000, 8, GatewayConfig.Workers.fixed(4), scheduling));
    }

    @AfterEach
    void stop() {
        holding.releaseAll();
        dispatcher.close();
        resilient.close();
        resilienceLog.detachAppender(lines);
    }

    @Test
    void aLaterBatchOfAKeyWaitsForItsRetriedAppendWhileOtherKeysAreAnswered() throws Exception {
        AtomicInteger acked = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        PendingPublish.PublishCallback count = new PendingPublish.PublishCallback() {
            @Override
            public void onAppended(AppendResult result) {
                acked.incrementAndGet();
            }

            @Override
            public void onFailed(Throwable cause) {
                failed.incrementAndGet();
            }
        };
        // k0's first batch reaches Redis, but its answer is held and then lost to a timeout
        holding.holdNextAppendOf("k0");
        dispatcher.offer(List.of(publish("k0", 1, count)));
        await().until(() -> holding.held() == 1);
        // k1's first batch, issued later on another worker, is in flight when k0's times out
        holding.holdNextAppendOf("k1");
        dispatcher.offer(List.of(publish("k1", 1, count)));
        await().until(() -> holding.held() == 2);
        // the rest, k0's later messages included: half while k0's answer is outstanding (a broken
        // claim would append them at once on the free workers), half while its append is retried
        List<PendingPublish> rest = new ArrayList<>();
        for (int seq = 1; seq <= PER_KEY; seq++) {
            for (int k = 0; k < KEYS; k++) {
                if (seq > 1 || k > 1) {
                    rest.add(publish("k" + k, seq, count));
                }
            }
        }
        offer(rest.subList(0, rest.size() / 2));
        holding.timeOut("k0");
        await().until(() -> resilient.stats().retriedBatches() == 1);
        offer(rest.subList(rest.size() / 2, rest.size()));
        holding.answer("k1"); // answered while k0's earlier batch waits in the retry
        await().atMost(Duration.ofSeconds(20)).until(() -> acked.get() + failed.get() == KEYS * PER_KEY);

        assertThat(failed.get()).isZero();
        Map<String, List<Integer>> stored = storedSeqsByKey();
        for (int k = 0; k < KEYS; k++) {
            // the timed-out append was stored and then retried: Redis's id dedup keeps one copy
            assertThat(stored.get("k" + k)).as("k%d in the stream", k)
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, PER_KEY).boxed().toList());
        }
        assertThat(holding.overlappedKeys()).as("keys with two appends in flight at once").isEmpty();
        assertThat(resilient.stats().retriedBatches()).isEqualTo(1);
        assertThat(resilient.stats().reorderedBatches()).isZero();
        assertThat(lines.list).filteredOn(e -> e.getLevel() == Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(line -> line.contains("broken"));
    }

    private void offer(List<PendingPublish> publishes) {
        for (int from = 0; from < publishes.size(); from += 30) {
            assertThat(dispatcher.offer(publishes.subList(from, Math.min(publishes.size(), from + 30))))
                    .isEqualTo(IngressDispatcher.Offer.QUEUED);
        }
    }

    private static PendingPublish publish(String key, int seq, PendingPublish.PublishCallback callback) {
        Message m = Message.newBuilder().setTopic(TOPIC).setId(key + "-" + seq).setPriority(Priority.PRIORITY_NORMAL)
                .setPayload(ByteString.copyFromUtf8(key + ":" + seq)).build();
        return new PendingPublish(new Envelope(m, key, System.nanoTime()), callback);
    }

    /** Each key's sequence numbers in the order the topic's Redis stream holds them. */
    private Map<String, List<Integer>> storedSeqsByKey() throws InvalidProtocolBufferException {
        RedisClient client = RedisClient.create(REDIS.uri());
        try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE)) {
            byte[] stream = (prefix + ":s:{" + TOPIC + "}").getBytes(StandardCharsets.UTF_8);
            Map<String, List<Integer>> byKey = new LinkedHashMap<>();
            for (StreamMessage<byte[], byte[]> entry : c.sync().xrange(stream, Range.unbounded())) {
                for (Map.Entry<byte[], byte[]> field : entry.getBody().entrySet()) {
                    if (new String(field.getKey(), StandardCharsets.US_ASCII).equals("msg")) {
                        String[] payload = Message.parseFrom(field.getValue()).getPayload().toStringUtf8().split(":");
                        byKey.computeIfAbsent(payload[0], k -> new ArrayList<>()).add(Integer.parseInt(payload[1]));
                    }
                }
            }
            return byKey;
        } finally {
            client.shutdown();
        }
    }

    /**
     * Forwards appends to Redis; the next append of a chosen key is stored by Redis but its answer
     * is held until the test answers it or makes it time out. Records keys that had two appends
     * in flight at once. Thread-safe (its own lock).
     */
    private static final class AnswerHoldingBackend extends ForwardingBackend {

        private final Backend redis;
        private final Map<String, Boolean> toHold = new LinkedHashMap<>();
        private final Map<String, CompletableFuture<List<AppendResult>>> heldAnswers = new LinkedHashMap<>();
        private final Map<String, CompletableFuture<List<AppendResult>>> answersToCallers = new LinkedHashMap<>();
        private final Map<String, Integer> inFlight = new LinkedHashMap<>();
        private final List<String> overlapped = new ArrayList<>();

        AnswerHoldingBackend(Backend redis) {
            this.redis = redis;
        }

        synchronized void holdNextAppendOf(String key) {
            toHold.put(key, true);
        }

        @Override
        public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
            List<String> keys = batch.stream().map(Envelope::orderingKey).distinct().toList();
            String held = null;
            synchronized (this) {
                for (String key : keys) {
                    if (inFlight.merge(key, 1, Integer::sum) > 1) {
                        overlapped.add(key);
                    }
                    if (held == null && toHold.remove(key) != null) {
                        held = key;
                    }
                }
            }
            CompletableFuture<List<AppendResult>> fromRedis = redis.append(batch);
            CompletableFuture<List<AppendResult>> toCaller = new CompletableFuture<>();
            if (held != null) {
                synchronized (this) {
                    heldAnswers.put(held, fromRedis);
                    answersToCallers.put(held, toCaller);
                }
            } else {
                fromRedis.whenComplete((r, e) -> settle(toCaller, r, e));
            }
            return toCaller.whenComplete((r, e) -> leave(keys));
        }

        private synchronized void leave(List<String> keys) {
            keys.forEach(k -> inFlight.computeIfPresent(k, (key, n) -> n == 1 ? null : n - 1));
        }

        private static void settle(CompletableFuture<List<AppendResult>> f, List<AppendResult> r, Throwable e) {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(r);
            }
        }

        synchronized int held() {
            return heldAnswers.size();
        }

        /** Once Redis has stored the held append of {@code key}, loses its answer to a command timeout. */
        void timeOut(String key) {
            CompletableFuture<List<AppendResult>> fromRedis;
            CompletableFuture<List<AppendResult>> toCaller;
            synchronized (this) {
                fromRedis = heldAnswers.remove(key);
                toCaller = answersToCallers.remove(key);
            }
            fromRedis.join();
            toCaller.completeExceptionally(new RedisCommandTimeoutException("Command timed out after 5 second(s)"));
        }

        /** Passes Redis's answer to the held append of {@code key} on. */
        void answer(String key) {
            CompletableFuture<List<AppendResult>> fromRedis;
            CompletableFuture<List<AppendResult>> toCaller;
            synchronized (this) {
                fromRedis = heldAnswers.remove(key);
                toCaller = answersToCallers.remove(key);
            }
            fromRedis.whenComplete((r, e) -> settle(toCaller, r, e));
        }

        void releaseAll() {
            List<String> keys;
            synchronized (this) {
                keys = new ArrayList<>(heldAnswers.keySet());
            }
            keys.forEach(this::answer);
        }

        synchronized List<String> overlappedKeys() {
            return List.copyOf(overlapped);
        }

        @Override
        protected Backend delegate() {
            return redis;
        }
    }
}
