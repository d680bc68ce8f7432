package io.tidegate.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static io.tidegate.gateway.dispatch.TestPublishes.publish;
import static org.awaitility.Awaitility.await;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The ingress queues under contention; the backend here is a hand-cranked stand-in. */
class IngressDispatcherTest {

    private final GatedBackend backend = new GatedBackend();
    private final IngressDispatcher dispatcher = new IngressDispatcher(backend, new GatewayConfig.Dispatch(1000, 1, GatewayConfig.Workers.fixed(1)));

    @AfterEach
    void stop() {
        backend.open();
        dispatcher.close();
    }

    @Test
    void criticalOvertakesQueuedBulkWhenTheBackendIsBusy() throws Exception {
        dispatcher.offer(List.of(publish("md.a", "bulk-0", Priority.PRIORITY_BULK)));
        await().until(() -> backend.appended().size() == 1); // now the backend is busy
        List<PendingPublish> bulk = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            bulk.add(publish("md.a", "bulk-" + i, Priority.PRIORITY_BULK));
        }
        dispatcher.offer(bulk);
        dispatcher.offer(List.of(publish("orders.x", "critical", Priority.PRIORITY_CRITICAL)));

        for (int i = 0; i < 7; i++) {
            backend.completeOne();
        }
        await().until(() -> backend.appended().size() == 7);
        assertThat(backend.appended()).containsExactly("bulk-0", "critical", "bulk-1", "bulk-2", "bulk-3", "bulk-4", "bulk-5");
    }

    @Test
    void sameKeyNeverOvertakesEvenAtHigherPriority() throws Exception {
        dispatcher.offer(List.of(publish("md.a", "first", Priority.PRIORITY_BULK)));
        await().until(() -> backend.appended().size() == 1);
        dispatcher.offer(List.of(publish("md.a", "second-bulk", Priority.PRIORITY_BULK)));
        dispatcher.offer(List.of(publish("md.a", "third-critical-same-key", Priority.PRIORITY_CRITICAL)));
        dispatcher.offer(List.of(publish("other", "critical-other-key", Priority.PRIORITY_CRITICAL)));
        for (int i = 0; i < 4; i++) {
            backend.completeOne();
        }
        await().until(() -> backend.appended().size() == 4);
        assertThat(backend.appended()).containsExactly("first", "critical-other-key", "second-bulk", "third-critical-same-key");
    }

    @Test
    void fullQueueRefusesTheWholeBatch() {
        IngressDispatcher small = new IngressDispatcher(backend, new GatewayConfig.Dispatch(3, 1, GatewayConfig.Workers.fixed(1)));
        try {
            assertThat(small.offer(List.of(publish("a", "1", Priority.PRIORITY_NORMAL)))).isEqualTo(IngressDispatcher.Offer.QUEUED);
            await().until(() -> backend.appended().size() == 1);
            assertThat(small.offer(List.of(publish("a", "2", Priority.PRIORITY_NORMAL), publish("a", "3", Priority.PRIORITY_NORMAL))))
                    .isEqualTo(IngressDispatcher.Offer.QUEUED);
            assertThat(small.offer(List.of(publish("a", "4", Priority.PRIORITY_NORMAL), publish("a", "5", Priority.PRIORITY_NORMAL))))
                    .isEqualTo(IngressDispatcher.Offer.FULL);
            assertThat(small.queueDepths()[2]).isEqualTo(2);
        } finally {
            backend.open();
            small.close();
        }
    }

    @Test
    void workersNeverAppendOneKeyConcurrentlyButOtherKeysPass() throws Exception {
        IngressDispatcher pool = new IngressDispatcher(backend, new GatewayConfig.Dispatch(1000, 1, GatewayConfig.Workers.fixed(3)));
        try {
            pool.offer(List.of(publish("md.a", "a1", Priority.PRIORITY_NORMAL)));
            await().until(() -> backend.appended().size() == 1); // a1 in flight on one worker
            pool.offer(List.of(publish("md.a", "a2", Priority.PRIORITY_CRITICAL), publish("md.b", "b1", Priority.PRIORITY_BULK)));
            await().until(() -> backend.appended().size() == 2);
            assertThat(pool.queueDepths()[0]).as("a2 waits, held back behind a1").isEqualTo(1);
            assertThat(backend.appended()).containsExactly("a1", "b1");

            backend.completeOne(); // a1 answered: a2 may go now
            await().until(() -> backend.appended().size() == 3);
            assertThat(backend.appended()).containsExactly("a1", "b1", "a2");
            assertThat(pool.workers()).isEqualTo(3);
            assertThat(pool.dispatched(Priority.PRIORITY_NORMAL)).isEqualTo(1);
            assertThat(pool.dispatched(Priority.PRIORITY_CRITICAL)).isEqualTo(1);
            assertThat(pool.dispatched(Priority.PRIORITY_BULK)).isEqualTo(1);
        } finally {
            backend.open();
            pool.close();
        }
    }

    @Test
    void closeAnswersEveryQueuedPublish() throws Exception {
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger appended = new java.util.concurrent.atomic.AtomicInteger();
        PendingPublish.PublishCallback counting = new PendingPublish.PublishCallback() {
            @Override
            public void onAppended(AppendResult result) {
                appended.incrementAndGet();
            }

            @Override
            public void onFailed(Throwable cause) {
                failed.incrementAndGet();
            }
        };
        IngressDispatcher pool = new IngressDispatcher(backend, new GatewayConfig.Dispatch(1000, 1, GatewayConfig.Workers.fixed(2)));
        List<PendingPublish> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Message m = Message.newBuilder().setTopic("k" + (i % 3)).build();
            batch.add(new PendingPublish(new Envelope(m, m.getTopic(), 0), counting));
        }
        pool.offer(batch);
        await().until(() -> backend.appended().size() == 2); // both workers stuck on the gated backend
        assertThat(pool.drain(50, TimeUnit.MILLISECONDS)).isFalse();
        Thread closer = new Thread(pool::close);
        closer.start();
        closer.join();
        assertThat(failed.get()).as("queued publishes get a failure on close").isEqualTo(8);
        backend.open();
        await().until(() -> appended.get() == 2);
        assertThat(failed.get() + appended.get()).isEqualTo(10);
    }
}
