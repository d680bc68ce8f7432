package io.tidegate.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real dispatcher and pool sizer against a backend whose appends take a fixed time: the pool
 * follows the load up to max, back down to min, and holds still under a steady load.
 */
class DispatchWorkerScalingTest {

    private static final Duration APPEND_TIME = Duration.ofMillis(100);

    /**
     * {@code publishers} closed-loop publishers, each with one message outstanding on its own key
     * (it offers the next when the previous is answered), so the load needs exactly that many
     * workers.
     */
    private final class ClosedLoopLoad {
        final AtomicBoolean on = new AtomicBoolean(true);
        final AtomicInteger outstanding = new AtomicInteger();

        ClosedLoopLoad(int publishers, String keyPrefix) {
            for (int p = 0; p < publishers; p++) {
                publish(keyPrefix + p, 1);
            }
        }

        private void publish(String key, long seq) {
            Message m = Message.newBuilder().setTopic(key).setPriority(Priority.PRIORITY_NORMAL)
                    .setPayload(com.google.protobuf.ByteString.copyFromUtf8(Long.toString(seq))).build();
            outstanding.incrementAndGet();
            dispatcher.offer(List.of(new PendingPublish(new Envelope(m, key, 0), new PendingPublish.PublishCallback() {
                @Override
                public void onAppended(AppendResult result) {
                    answered.incrementAndGet();
                    outstanding.decrementAndGet();
                    if (on.get()) {
                        publish(key, seq + 1);
                    }
                }

                @Override
                public void onFailed(Throwable cause) {
                    failed.incrementAndGet();
                    outstanding.decrementAndGet();
                }
            })));
        }

        void stop() {
            on.set(false);
            await().atMost(Duration.ofSeconds(30)).until(() -> outstanding.get() == 0);
        }
    }

    private final GatedBackend backend = GatedBackend.answeringAfter(APPEND_TIME);
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final IngressDispatcher dispatcher = new IngressDispatcher(backend, new GatewayConfig.Dispatch(100_000, 1,
            new GatewayConfig.Workers(1, 16, 8, Duration.ofMillis(50), Duration.ofMillis(150), Duration.ofMillis(400),
                    Duration.ofMillis(5))));

    @AfterEach
    void stop() {
        dispatcher.close();
        backend.close();
    }

    @Test
    void poolGrowsToMaxUnderLoadShrinksToMinAfterAndHoldsStillUnderSteadyLoad() {
        assertThat(dispatcher.workers()).isEqualTo(1);

        long start = System.nanoTime();
        ClosedLoopLoad heavy = new ClosedLoopLoad(40, "heavy-"); // needs 40 workers, max is 16
        await().atMost(Duration.ofSeconds(60)).until(() -> dispatcher.workers() == 16);
        long grown = System.nanoTime();
        assertThat(dispatcher.queueingDelayNanosTotal(Priority.PRIORITY_NORMAL)).isPositive();
        heavy.stop();
        long stopped = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).until(() -> dispatcher.workers() == 1);
        System.out.printf("pool 1 -> 16 in %d ms under load; 16 -> 1 in %d ms after it stopped%n",
                (grown - start) / 1_000_000, (System.nanoTime() - stopped) / 1_000_000);

        ClosedLoopLoad steady = new ClosedLoopLoad(6, "steady-"); // needs 6 workers
        await().atMost(Duration.ofSeconds(60)).until(() -> dispatcher.workers() == 6);
        List<Integer> sizes = observeWorkers(Duration.ofSeconds(3));
        steady.stop();
        System.out.printf("steady load of 6: pool sizes seen over 3 s: %s%n", new java.util.TreeSet<>(sizes));

        assertThat(sizes).as("never shrinks below what the steady load keeps busy").allMatch(n -> n >= 6);
        // a stall of the contended machine may cause one excursion up and back; flapping would
        // grow again after shrinking
        assertThat(growthsAfterShrinking(sizes)).as("no flapping under steady load: %s", sizes).isZero();
        assertThat(backend.keyOverlapped()).as("one key never has two appends in flight").isFalse();
        assertThat(keysAppendedOutOfOrder()).as("per-key order kept").isEmpty();
        assertThat(failed.get()).isZero();
        assertThat(dispatcher.dispatched(Priority.PRIORITY_NORMAL)).isEqualTo(answered.get());
    }

    /** The keys whose messages (numbered in the order offered) were not appended in that order. */
    private List<String> keysAppendedOutOfOrder() {
        List<String> reordered = new ArrayList<>();
        backend.appendedByKey().forEach((key, payloads) -> {
            long before = 0;
            for (String payload : payloads) {
                long seq = Long.parseLong(payload);
                if (seq <= before) {
                    reordered.add(key);
                    return;
                }
                before = seq;
            }
        });
        return reordered;
    }

    private List<Integer> observeWorkers(Duration duration) {
        List<Integer> sizes = new ArrayList<>();
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            sizes.add(dispatcher.workers());
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return sizes;
    }

    private static int growthsAfterShrinking(List<Integer> sizes) {
        int growths = 0;
        boolean shrunk = false;
        for (int i = 1; i < sizes.size(); i++) {
            int step = Integer.compare(sizes.get(i), sizes.get(i - 1));
            if (step < 0) {
                shrunk = true;
            } else if (step > 0 && shrunk) {
                growths++;
            }
        }
        return growths;
    }
}
