package io.tidegate.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static io.tidegate.gateway.dispatch.TestPublishes.publish;
import static org.awaitility.Awaitility.await;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code dispatch.critical-handoff}: a lone gateway-made CRITICAL message is appended by the
 * publishing thread only when no CRITICAL message and nothing of its key waits or is in flight,
 * and only one such append at a time; everything else keeps going through the lanes.
 */
class CriticalHandoffTest {

    private final ThreadRecordingBackend backend = new ThreadRecordingBackend();
    private final IngressDispatcher dispatcher = new IngressDispatcher(backend,
            new GatewayConfig.Dispatch(1000, 16, GatewayConfig.Workers.fixed(1), GatewayConfig.Scheduling.defaults(), true));

    @AfterEach
    void stop() {
        backend.open();
        dispatcher.close();
    }

    @Test
    void loneGatewayMadeCriticalIsAppendedByThePublishingThreadBeforeOfferReturns() {
        assertThat(dispatcher.offer(List.of(publish("a", "c1", Priority.PRIORITY_CRITICAL)), true))
                .isEqualTo(IngressDispatcher.Offer.QUEUED);

        assertThat(backend.appended()).containsExactly("c1"); // the backend has not answered it yet
        assertThat(backend.threads).containsExactly(Thread.currentThread().getName());
        assertThat(dispatcher.handedOff()).isEqualTo(1);
        assertThat(dispatcher.dispatched(Priority.PRIORITY_CRITICAL)).isEqualTo(1);
    }

    @Test
    void aClientsCriticalAndALowerClassGoThroughAWorker() {
        dispatcher.offer(List.of(publish("a", "client-critical", Priority.PRIORITY_CRITICAL)), false);
        dispatcher.offer(List.of(publish("b", "gateway-high", Priority.PRIORITY_HIGH)), true);
        backend.open();

        await().until(() -> backend.appended().size() == 2);
        assertThat(backend.threads).allMatch(t -> t.startsWith("tidegate-dispatch-"));
        assertThat(dispatcher.handedOff()).isZero();
    }

    @Test
    void switchedOffEveryMessageGoesThroughAWorker() {
        IngressDispatcher off = new IngressDispatcher(backend, GatewayConfig.defaultsWith(
                "dispatch.critical-handoff=false", "dispatch.workers.min=1").dispatch());
        try {
            off.offer(List.of(publish("a", "c1", Priority.PRIORITY_CRITICAL)), true);
            await().until(() -> backend.appended().size() == 1);
            assertThat(backend.threads).allMatch(t -> t.startsWith("tidegate-dispatch-"));
            assertThat(off.handedOff()).isZero();
        } finally {
            backend.open();
            off.close();
        }
    }

    @Test
    void aMessageOfTheSameKeyWaitsUntilTheHandedOffOneIsAnswered() throws Exception {
        dispatcher.offer(List.of(publish("a", "a1", Priority.PRIORITY_CRITICAL)), true);
        dispatcher.offer(List.of(publish("a", "a2", Priority.PRIORITY_CRITICAL)), true);
        dispatcher.offer(List.of(publish("b", "b1", Priority.PRIORITY_NORMAL)), false);

        await().until(() -> backend.appended().size() == 2);
        assertThat(backend.appended()).containsExactly("a1", "b1");
        assertThat(dispatcher.queueDepths()[0]).as("a2 waits for a1's answer").isEqualTo(1);

        backend.completeOne(); // a1 answered
        backend.completeOne(); // b1 answered: the only worker is free for a2
        await().until(() -> backend.appended().size() == 3);
        assertThat(backend.appended()).containsExactly("a1", "b1", "a2");
        assertThat(dispatcher.handedOff()).isEqualTo(1);
    }

    @Test
    void aHandedOffCriticalNeverOvertakesAnEarlierMessageOfItsKey() throws Exception {
        dispatcher.offer(List.of(publish("a", "a1-normal", Priority.PRIORITY_NORMAL)), false);
        await().until(() -> backend.appended().size() == 1); // in flight on the only worker
        dispatcher.offer(List.of(publish("a", "a2-normal", Priority.PRIORITY_NORMAL)), false);
        dispatcher.offer(List.of(publish("a", "a3-critical", Priority.PRIORITY_CRITICAL)), true);
        assertThat(dispatcher.handedOff()).isZero();

        backend.completeOne(); // the rest go in one batch
        await().until(() -> backend.appended().size() == 3);
        assertThat(backend.appended()).containsExactly("a1-normal", "a2-normal", "a3-critical");
    }

    @Test
    void aCriticalAlreadyWaitingIsNotOvertaken() throws Exception {
        dispatcher.offer(List.of(publish("n", "n0", Priority.PRIORITY_NORMAL)), false);
        await().until(() -> backend.appended().size() == 1); // the only worker is busy
        dispatcher.offer(List.of(publish("c", "c1", Priority.PRIORITY_CRITICAL)), false);
        dispatcher.offer(List.of(publish("d", "d1", Priority.PRIORITY_CRITICAL)), true);
        assertThat(dispatcher.handedOff()).isZero();

        backend.completeOne(); // the rest go in one batch
        await().until(() -> backend.appended().size() == 3);
        assertThat(backend.appended()).containsExactly("n0", "c1", "d1");
    }

    @Test
    void atMostOneHandedOffAppendIsInFlight() throws Exception {
        dispatcher.offer(List.of(publish("a", "a1", Priority.PRIORITY_CRITICAL)), true);
        dispatcher.offer(List.of(publish("b", "b1", Priority.PRIORITY_CRITICAL)), true);

        await().until(() -> backend.appended().size() == 2);
        assertThat(backend.threads.get(0)).isEqualTo(Thread.currentThread().getName());
        assertThat(backend.threads.get(1)).as("b1 went to the idle worker").startsWith("tidegate-dispatch-");
        backend.completeOne();
        backend.completeOne();

        dispatcher.offer(List.of(publish("c", "c1", Priority.PRIORITY_CRITICAL)), true);
        assertThat(dispatcher.handedOff()).as("free again once a1 was answered").isEqualTo(2);
    }

    @Test
    void drainWaitsForAHandedOffAppend() throws Exception {
        dispatcher.offer(List.of(publish("a", "a1", Priority.PRIORITY_CRITICAL)), true);
        assertThat(dispatcher.drain(50, TimeUnit.MILLISECONDS)).isFalse();
        backend.completeOne();
        assertThat(dispatcher.drain(5, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * Publishing threads hand off CRITICAL messages while clients' messages of the same keys go
     * through four workers, and the backend answers on its own threads: every message is appended
     * once, each key's messages in the order each thread published them, never two of one key in
     * flight at once.
     */
    @Test
    void keyOrderHoldsAndNothingIsLostWhenHandoffsAndWorkersRace() throws Exception {
        ConcurrentAppendsBackend racing = new ConcurrentAppendsBackend();
        int threads = 4;
        int perThread = 1000;
        AtomicInteger answered = new AtomicInteger();
        PendingPublish.PublishCallback counting = new PendingPublish.PublishCallback() {
            @Override
            public void onAppended(AppendResult result) {
                answered.incrementAndGet();
            }

            @Override
            public void onFailed(Throwable cause) {
                throw new AssertionError(cause);
            }
        };
        IngressDispatcher pool = new IngressDispatcher(racing, new GatewayConfig.Dispatch(1_000_000, 8,
                GatewayConfig.Workers.fixed(4), GatewayConfig.Scheduling.defaults(), true));
        try {
            List<Thread> publishers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                publishers.add(new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        String key = "k" + (i % 3);
                        boolean critical = i % 2 == 0;
                        Message m = Message.newBuilder().setTopic("t." + key)
                                .setPriority(critical ? Priority.PRIORITY_CRITICAL : Priority.PRIORITY_NORMAL)
                                .setPayload(com.google.protobuf.ByteString.copyFromUtf8(thread + ":" + i)).build();
                        // one writer per key per thread would not race: all threads share the keys
                        while (pool.offer(List.of(new PendingPublish(new Envelope(m, key, 0), counting)), critical)
                                != IngressDispatcher.Offer.QUEUED) {
                            Thread.onSpinWait();
                        }
                        if (i % 4 == 3) {
                            // pauses let the CRITICAL lane empty, so later CRITICAL ones may be handed off
                            java.util.concurrent.locks.LockSupport.parkNanos(10_000);
                        }
                    }
                }));
            }
            publishers.forEach(Thread::start);
            for (Thread p : publishers) {
                p.join();
            }
            assertThat(pool.drain(30, TimeUnit.SECONDS)).isTrue();

            assertThat(answered.get()).isEqualTo(threads * perThread);
            assertThat(racing.appended).hasSize(threads * perThread);
            assertThat(racing.concurrentSameKey.get()).as("appends of one key in flight at once").isZero();
            Map<String, Integer> lastSeen = new ConcurrentHashMap<>();
            for (String[] entry : racing.appended) {
                String publisherAndKey = entry[0] + "/" + entry[1];
                int seq = Integer.parseInt(entry[2]);
                Integer previous = lastSeen.put(publisherAndKey, seq);
                assertThat(previous == null ? -1 : previous).as(publisherAndKey).isLessThan(seq);
            }
            assertThat(pool.handedOff()).as("the race did exercise the handoff").isPositive();
        } finally {
            pool.close();
            racing.close();
        }
    }

    /** A {@link GatedBackend} that also records which thread called {@code append}. */
    private static final class ThreadRecordingBackend extends GatedBackend {
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
            for (int i = 0; i < batch.size(); i++) {
                threads.add(Thread.currentThread().getName());
            }
            return super.append(batch);
        }
    }

    /**
     * Answers each append on a pool thread, so appends overlap; records (publisher, key, sequence)
     * in append order and counts any append that starts while another of its key is in flight.
     */
    private static final class ConcurrentAppendsBackend implements Backend {
        final List<String[]> appended = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger concurrentSameKey = new AtomicInteger();
        private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        private final ExecutorService answering = Executors.newFixedThreadPool(2);

        @Override
        public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
            List<AppendResult> results = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            synchronized (appended) {
                for (Envelope e : batch) {
                    String[] publisherAndSeq = e.message().getPayload().toStringUtf8().split(":");
                    appended.add(new String[] {publisherAndSeq[0], e.orderingKey(), publisherAndSeq[1]});
                    results.add(AppendResult.accepted(new StreamPosition(e.topic(), new EntryId(1, appended.size()))));
                    if (!keys.contains(e.orderingKey())) {
                        keys.add(e.orderingKey());
                    }
                }
            }
            for (String key : keys) {
                if (inFlight.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() > 1) {
                    concurrentSameKey.incrementAndGet();
                }
            }
            return CompletableFuture.supplyAsync(() -> {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000); // keys stay claimed a while
                for (String key : keys) {
                    inFlight.get(key).decrementAndGet();
                }
                return results;
            }, answering);
        }

        @Override
        public BackendSubscription subscribe(SubscriptionSpec spec, DeliverySink sink) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public String name() {
            return "concurrent";
        }

        @Override
        public void close() {
            answering.shutdownNow();
        }
    }
}
