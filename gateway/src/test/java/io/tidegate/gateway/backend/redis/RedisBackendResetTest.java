package io.tidegate.gateway.backend.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StartAt;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.backend.redis.RedisBackendTest.Recorder;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.routing.TopicPattern;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis losing its data (FLUSHALL, or an empty Redis in its place) is noticed, told to every
 * subscription once, and reading goes on with what is stored afterwards. Each test has its own
 * redis-server, since it flushes or replaces it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisBackendResetTest {

    private static final Duration SOON = Duration.ofSeconds(15);
    private static final String PREFIX = "reset";

    private RedisServer redis;
    private final List<RedisBackend> backends = new ArrayList<>();
    private final List<BackendSubscription> subscriptions = new ArrayList<>();

    @BeforeEach
    void startRedis() {
        redis = RedisServer.start();
    }

    @AfterEach
    void stopAll() {
        subscriptions.forEach(BackendSubscription::close);
        backends.forEach(RedisBackend::close);
        redis.close();
    }

    @Test
    void flushAllIsToldToBroadcastAndGroupSubscribersWhoThenReceiveWhatIsPublishedAfter() {
        lossIsToldAndReadingGoesOn(() -> redis.flushAll());
    }

    @Test
    void anEmptyRedisInPlaceOfTheOldOneIsToldLikeAFlush() {
        lossIsToldAndReadingGoesOn(() -> redis = redis.restart());
    }

    @Test
    void twoGatewaysOnOneRedisBothTellTheirSubscribersAndAgreeOnOneIncarnation() {
        RedisBackend first = backend("gw-a");
        RedisBackend second = backend("gw-b");
        Recorder onFirst = subscribe(first, broadcast("prices"));
        Recorder onSecond = subscribe(second, group("prices", "workers"));
        append(first, "prices", "before", 2);
        await().atMost(SOON).until(() -> onFirst.size() == 2 && onSecond.size() == 2);

        redis.flushAll();

        await().atMost(SOON).until(() -> onFirst.resets.size() == 1 && onSecond.resets.size() == 1);
        String incarnation = incarnationKey();
        assertThat(incarnation).as("a new incarnation is written once Redis is found empty").isNotNull();
        append(second, "prices", "after", 3);
        await().atMost(SOON).until(() -> onFirst.size() == 5 && onSecond.size() == 5);
        assertThat(incarnationKey()).as("both gateways agree on the incarnation another one wrote")
                .isEqualTo(incarnation);
        assertThat(first.resets()).isEqualTo(1);
        assertThat(second.resets()).isEqualTo(1);
        assertThat(onFirst.resets).hasSize(1);
        assertThat(onSecond.resets).hasSize(1);
    }

    @Test
    void aBroadcastReaderAheadOfTheNewStreamStartsAgainFromItsBeginning() {
        RedisBackend backend = backend("gw-a");
        Recorder reader = subscribe(backend, broadcast("ticks"));
        append(backend, "ticks", "before", 1);
        await().atMost(SOON).until(() -> reader.size() == 1);
        // An entry far in the future (as after a clock that ran ahead) moves the reader's cursor
        // past every id a new, empty stream hands out; it does not decode, so it is skipped. The
        // marker appended after it gets an id after it, so its delivery shows the cursor moved.
        redis.command("XADD " + PREFIX + ":s:{ticks} 99999999999999-0 junk x");
        append(backend, "ticks", "marker", 1);
        await().atMost(SOON).until(() -> reader.size() == 2);

        redis.flushAll();
        await().atMost(SOON).until(() -> reader.resets.size() == 1);
        append(backend, "ticks", "after", 3);

        await().atMost(SOON).until(() -> reader.size() == 5);
        assertThat(reader.ids()).containsExactly("before-0", "marker-0", "after-0", "after-1", "after-2");
    }

    private void lossIsToldAndReadingGoesOn(Runnable loseData) {
        RedisBackend backend = backend("gw-a");
        Recorder all = subscribe(backend, broadcast("orders"));
        Recorder workers = subscribe(backend, group("orders", "billing"));
        append(backend, "orders", "before", 3);
        await().atMost(SOON).until(() -> all.size() == 3 && workers.size() == 3);
        assertThat(backend.resets()).isZero();

        loseData.run();

        await().atMost(SOON).until(() -> all.resets.size() == 1 && workers.resets.size() == 1);
        assertThat(all.resets.get(0)).contains("Redis lost its stored data");
        assertThat(backend.resets()).isEqualTo(1);
        await().atMost(SOON).until(() -> append(backend, "orders", "after", 3));
        await().atMost(SOON).until(() -> all.size() == 6 && workers.size() == 6);
        assertThat(all.ids()).containsExactly("before-0", "before-1", "before-2", "after-0", "after-1", "after-2");
        assertThat(workers.ids()).containsExactly("before-0", "before-1", "before-2", "after-0", "after-1", "after-2");
        assertThat(backend.resets()).as("one loss, one reset").isEqualTo(1);
        assertThat(all.resets).hasSize(1);
    }

    private RedisBackend backend(String gatewayId) {
        RedisBackend backend = ConfiguredRedisBackend.open(GatewayConfig.defaultsWith("backend.type=redis",
                "backend.redis.uri=" + redis.uri(), "backend.redis.key-prefix=" + PREFIX, "gateway-id=" + gatewayId,
                "backend.redis.block-timeout=100ms"));
        backends.add(backend);
        return backend;
    }

    private Recorder subscribe(RedisBackend backend, SubscriptionSpec spec) {
        Recorder recorder = new Recorder();
        BackendSubscription s = backend.subscribe(spec, recorder);
        subscriptions.add(s);
        s.started().join();
        recorder.requested.addAndGet(1000);
        s.request(1000);
        return recorder;
    }

    private static SubscriptionSpec broadcast(String topic) {
        return new SubscriptionSpec("b-" + topic, List.of(TopicPattern.compile(topic, 255)), null, null, StartAt.LATEST,
                null);
    }

    private static SubscriptionSpec group(String topic, String group) {
        return new SubscriptionSpec("g-" + topic, List.of(TopicPattern.compile(topic, 255)), group, group + "-1",
                StartAt.LATEST, null);
    }

    /** Appends {@code n} messages with ids {@code <label>-<i>}; false when Redis refused them. */
    private static boolean append(RedisBackend backend, String topic, String label, int n) {
        try {
            backend.append(IntStream.range(0, n).mapToObj(i -> envelope(topic, label + "-" + i)).toList()).join();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Envelope envelope(String topic, String id) {
        Message m = Message.newBuilder().setTopic(topic).setId(id)
                .setPayload(ByteString.copyFrom(id, StandardCharsets.UTF_8)).build();
        return new Envelope(m, topic, System.currentTimeMillis() * 1_000_000L);
    }

    private String incarnationKey() {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().get(PREFIX + ":incarnation");
        } finally {
            client.shutdown();
        }
    }
}
