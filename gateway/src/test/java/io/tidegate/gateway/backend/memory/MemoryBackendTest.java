package io.tidegate.gateway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StartAt;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.routing.TopicPattern;
import io.tidegate.proto.v1.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the memory backend promises beyond the shared contract: its clock, memory bounds and threads. */
class MemoryBackendTest {

    private static final Duration SOON = Duration.ofSeconds(10);
    private final List<MemoryBackend> backends = new ArrayList<>();

    @AfterEach
    void closeBackends() {
        backends.forEach(MemoryBackend::close);
    }

    @Test
    void idsKeepGrowingWhenTheWallClockGoesBack() {
        AtomicLong clock = new AtomicLong(1_000_000);
        MemoryBackend backend = start(clock, "dedup-window=0s");
        EntryId a = append(backend, msg("t.a", "")).get(0).position().entryId();
        clock.set(999_000);
        EntryId b = append(backend, msg("t.a", "")).get(0).position().entryId();
        clock.set(1_000_005);
        EntryId c = append(backend, msg("t.a", "")).get(0).position().entryId();

        assertThat(a).isEqualTo(new EntryId(1_000_000, 0));
        assertThat(b).as("clock stepped back: same millis, next seq").isEqualTo(new EntryId(1_000_000, 1));
        assertThat(c).isEqualTo(new EntryId(1_000_005, 0));
    }

    @Test
    void messagesInOneMillisecondShareItAndCountUpTheSequence() {
        MemoryBackend backend = start(new AtomicLong(42), "dedup-window=0s");
        List<AppendResult> results = append(backend, msg("t.a", ""), msg("t.a", ""), msg("t.b", ""));
        assertThat(results).extracting(r -> r.position().entryId())
                .containsExactly(new EntryId(42, 0), new EntryId(42, 1), new EntryId(42, 0));
    }

    @Test
    void maxLengthIsExactAndAnIdleSubscriberDoesNotPinTheBacklog() {
        MemoryBackend backend = start(null, "retention.max-length=100");
        Recorder idle = new Recorder();
        backend.subscribe(spec("t.q", null, StartAt.EARLIEST), idle);
        for (int i = 0; i < 50; i++) {
            append(backend, IntStream.range(0, 100).mapToObj(j -> msg("t.q", "")).toArray(Envelope[]::new));
        }
        assertThat(backend.existingLog("t.q").size()).isEqualTo(100);
        assertThat(backend.existingLog("t.q").ringCapacity()).isLessThanOrEqualTo(128);
        assertThat(idle.received).isEmpty();
    }

    @Test
    void ageTrimmingEmptiesAQuietTopicAndGivesBackRingSpace() {
        AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        MemoryBackend backend = start(clock, "retention.max-age=1s");
        append(backend, IntStream.range(0, 5000).mapToObj(j -> msg("t.q", "")).toArray(Envelope[]::new));
        TopicLog log = backend.existingLog("t.q");
        assertThat(log.ringCapacity()).isGreaterThanOrEqualTo(5000);

        clock.addAndGet(2000);
        await().atMost(SOON).until(() -> log.size() == 0 && log.ringCapacity() <= 1024);
    }

    @Test
    void dedupWindowForgetsExpiredIds() {
        AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        MemoryBackend backend = start(clock, "dedup-window=1s");
        append(backend, IntStream.range(0, 1000).mapToObj(j -> msg("t.o", "id" + j)).toArray(Envelope[]::new));
        TopicLog log = backend.existingLog("t.o");
        assertThat(log.dedupSize()).isEqualTo(1000);

        clock.addAndGet(1500);
        await().atMost(SOON).until(() -> log.dedupSize() == 0);
        assertThat(append(backend, msg("t.o", "id7")).get(0).duplicate()).isFalse();
    }

    @Test
    void deliversOnBackendThreadsInBatchesOfAtMost256() {
        MemoryBackend backend = start(null);
        Recorder r = new Recorder();
        BackendSubscription sub = backend.subscribe(spec("t.q", null, StartAt.LATEST), r);
        sub.request(10_000);
        append(backend, IntStream.range(0, 1000).mapToObj(j -> msg("t.q", "")).toArray(Envelope[]::new));

        await().atMost(SOON).until(() -> r.received.size() == 1000);
        assertThat(r.batchSizes).allSatisfy(n -> assertThat(n).isBetween(1, MemorySubscription.MAX_BATCH));
        assertThat(r.threads).allSatisfy(t -> assertThat(t).startsWith("tidegate-memory-delivery-"));
    }

    @Test
    void closingAMemberHandsItsUnackedMessagesOverAtOnce() {
        MemoryBackend backend = start(null);
        Recorder leaving = new Recorder();
        Recorder staying = new Recorder();
        BackendSubscription a = backend.subscribe(spec("t.w", "g", StartAt.LATEST), leaving);
        BackendSubscription b = backend.subscribe(spec("t.w", "g", StartAt.LATEST), staying);
        a.request(100);
        append(backend, msg("t.w", "1"), msg("t.w", "2"), msg("t.w", "3"));
        await().atMost(SOON).until(() -> leaving.received.size() == 3);

        a.close();
        b.request(100);
        // the ack deadline is 60s: only the hand-over on close can deliver this soon
        await().atMost(Duration.ofSeconds(5)).until(() -> staying.received.size() == 3);
        assertThat(staying.received).extracting(m -> m.message().getId()).containsExactly("1", "2", "3");
        assertThat(staying.received).allSatisfy(m -> assertThat(m.deliveryCount()).isEqualTo(2));
    }

    @Test
    void ackedEntriesDoNotAccumulateDeadlineBookkeeping() {
        MemoryBackend backend = start(null);
        Recorder r = new Recorder();
        BackendSubscription sub = backend.subscribe(spec("t.w", "g", StartAt.LATEST), r);
        sub.request(Integer.MAX_VALUE);
        for (int round = 0; round < 20; round++) {
            int before = r.received.size();
            append(backend, IntStream.range(0, 500).mapToObj(j -> msg("t.w", "")).toArray(Envelope[]::new));
            await().atMost(SOON).until(() -> r.received.size() == before + 500);
            sub.ack(r.received.subList(before, before + 500).stream().map(StoredMessage::position).toList());
        }
        GroupCursor cursor = backend.groupCursor("t.w", "g");
        assertThat(cursor.pendingCount()).isZero();
        assertThat(cursor.deadlineNodes()).isLessThanOrEqualTo(2 * 1024);
    }

    @Test
    void closedBackendRefusesWork() {
        MemoryBackend backend = start(null);
        assertThat(backend.isReady()).isTrue();
        backend.close();
        assertThat(backend.isReady()).isFalse();
        assertThatThrownBy(() -> backend.append(List.of(msg("t.a", ""))).join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> backend.subscribe(spec("t.a", null, StartAt.LATEST), new Recorder()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void requestOfZeroIsRejected() {
        MemoryBackend backend = start(null);
        BackendSubscription sub = backend.subscribe(spec("t.a", null, StartAt.LATEST), new Recorder());
        assertThatThrownBy(() -> sub.request(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
    }

    private MemoryBackend start(AtomicLong clock, String... overrides) {
        GatewayConfig config = GatewayConfig.defaultsWith(overrides);
        MemoryBackend b = clock == null ? new MemoryBackend(config.storage()) : new MemoryBackend(config.storage(), clock::get);
        backends.add(b);
        return b;
    }

    private static List<AppendResult> append(MemoryBackend backend, Envelope... envelopes) {
        return backend.append(List.of(envelopes)).join();
    }

    private static Envelope msg(String topic, String id) {
        Message m = Message.newBuilder().setTopic(topic).setId(id).setPayload(ByteString.copyFromUtf8("x")).build();
        return new Envelope(m, topic, System.currentTimeMillis() * 1_000_000L);
    }

    private static SubscriptionSpec spec(String pattern, String group, StartAt start) {
        return new SubscriptionSpec("k", List.of(TopicPattern.compile(pattern, 255)), group,
                group == null ? null : "c" + System.nanoTime(), start, group == null ? null : Duration.ofSeconds(60));
    }

    /** Records deliveries, their batch sizes and threads. */
    private static final class Recorder implements DeliverySink {
        final List<io.tidegate.gateway.backend.DeliveryGap> gaps = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<StoredMessage> received = new CopyOnWriteArrayList<>();
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public void onMessages(List<StoredMessage> messages) {
            batchSizes.add(messages.size());
            threads.add(Thread.currentThread().getName());
            received.addAll(messages);
        }

        @Override
        public void onError(Throwable cause) {
            throw new AssertionError("unexpected onError", cause);
        }

        @Override
        public void onGap(io.tidegate.gateway.backend.DeliveryGap gap) {
            gaps.add(gap);
        }

        @Override
        public void onReset(String reason, java.time.Instant detectedAt) {
            throw new AssertionError("the memory backend never loses its history: " + reason);
        }
    }
}
