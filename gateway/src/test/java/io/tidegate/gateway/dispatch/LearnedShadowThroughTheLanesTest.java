package io.tidegate.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.priority.LanePolicies;
import io.tidegate.gateway.priority.PolicyFallbacks;
import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A learned policy with an empty table decides exactly as strict priority, so through the real
 * ingress lanes it must earn exactly what its strict shadow earns, and its watchdog must never
 * fall back, however the lanes are run: several workers with appends in flight at once and
 * answered out of order, batches of up to 64, ordering keys held by another worker's append,
 * publishes refused when the lanes are full, and the rails' maximum waits under 8x overload;
 * also when one decision drains 16 messages of a class (the tuner's class-batch floor) and when
 * every class draws from the same keys (a key waits in several classes and rides along). When a
 * class holds more than the shadow's capacity the shadow earns less than the lanes (never more),
 * so that case cannot make the watchdog fall back either.
 *
 * <p>Deterministic: time is the test's clock, which moves only between steps, and after every
 * step the test waits until each worker has either issued its next append or has nothing to take.
 */
class LearnedShadowThroughTheLanesTest {

    private static final long US = 1_000L;
    private static final long MS = 1_000_000L;
    private static final int WORKERS = 3;
    private static final int MAX_BATCH = 64;
    /** Workers of the run (settling waits for this many appends). */
    private int workers = WORKERS;
    /** What an append takes per message it carries, on top of its duration. */
    private long perMessageNanos;
    private static final Priority[] PRIORITIES = {Priority.PRIORITY_CRITICAL, Priority.PRIORITY_HIGH,
            Priority.PRIORITY_NORMAL, Priority.PRIORITY_LOW, Priority.PRIORITY_BULK};
    /** The load tool's mix: CRITICAL 1 : HIGH 4 : NORMAL 20 : LOW 25 : BULK 50. */
    private static final int[] SHARES = {1, 4, 20, 25, 50};

    private final AtomicLong clock = new AtomicLong(1_000 * MS);
    private final GatedBackend backend = GatedBackend.onClock(clock::get, this::appendDuration);
    private IngressDispatcher dispatcher;

    @AfterEach
    void stop() {
        backend.open();
        if (dispatcher != null) {
            dispatcher.close();
        }
    }

    /** An append's duration (before its jitter) and the most jitter, set per run. */
    private long appendNanos;
    private long jitterMicros;

    /**
     * @param appendMicros   an append's least duration
     * @param jitterMicros   the most an append takes longer (a function of its first message)
     * @param millis         how long the run lasts on the test's clock
     * @param classBatch     the least messages one lane decision takes from a class (the tuner's floor)
     * @param sharedKeys     whether every class draws from the same 20 keys (so a key waits in several classes)
     * @param shadowCapacity waiting messages per class the shadow remembers
     */
    @ParameterizedTest(name = "appends of {0} µs + up to {1} µs, class batch {3}, keys shared by the classes {4}, shadow capacity {5}")
    @CsvSource({"4000, 2000, 3000, 1, false, 65536", "300, 1500, 1500, 1, false, 65536",
            "4000, 2000, 3000, 16, false, 65536", "300, 1500, 1500, 16, false, 65536",
            "4000, 2000, 3000, 1, true, 65536", "300, 1500, 1500, 1, true, 65536",
            "4000, 2000, 3000, 1, false, 256", "300, 1500, 1500, 1, false, 256"})
    void anEmptyTableEarnsExactlyWhatItsShadowDoesWithSeveralWorkersUnderOverload(long appendMicros, long jitterMicros, long millis,
            int classBatch, boolean sharedKeys, int shadowCapacity) throws Exception {
        this.appendNanos = appendMicros * US;
        this.jitterMicros = jitterMicros;
        SchedulingConfig d = SchedulingConfig.defaults();
        SchedulingConfig settings = new SchedulingConfig(d.classes(), d.criticalMaxBypass(), d.watchdogWindowNanos(),
                d.watchdogWindows(), d.watchdogTolerance(), shadowCapacity, d.watchdogWindowMessages());
        GatewayConfig.Scheduling scheduling = new GatewayConfig.Scheduling(PolicyKind.LEARNED, settings, List.of());
        dispatcher = new IngressDispatcher(backend,
                new GatewayConfig.Dispatch(8_192, MAX_BATCH, GatewayConfig.Workers.fixed(WORKERS), scheduling),
                new LanePolicies(scheduling, new PolicyFallbacks(), new QTable()), clock::get);
        dispatcher.classBatchFloor(classBatch);

        Random random = new Random(19);
        long end = clock.get() + millis * MS;
        // 8x what the workers append (64 messages per append of the mean duration), offered 64 at a time
        long offerEvery = (appendNanos + jitterMicros * US / 2) / WORKERS / 8;
        long nextOffer = clock.get();
        int seq = 0;
        int refused = 0;
        int outOfOrder = 0;
        while (clock.get() < end) {
            GatedBackend.Held due = earliestDue();
            if (due != null && due.dueAt() <= nextOffer) {
                clock.set(due.dueAt());
                if (backend.answer(due)) {
                    outOfOrder++;
                }
            } else {
                clock.set(nextOffer);
                List<PendingPublish> offered = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    int c = classOf(random.nextInt(100));
                    offered.add(publish(c, (sharedKeys ? "k" : "c" + c + "-k") + random.nextInt(20), seq++));
                }
                if (dispatcher.offer(offered) == IngressDispatcher.Offer.FULL) {
                    refused++;
                }
                nextOffer += offerEvery;
            }
            settle();
        }

        double[] rewards = dispatcher.policyRewards();
        System.out.printf("learned %.1f, shadow %.1f; %d appends (%d answered out of order), %d offers refused%n",
                rewards[0], rewards[1], backend.answered(), outOfOrder, refused);
        assertThat(refused).as("offers refused while the lanes were full").isGreaterThan(100);
        assertThat(outOfOrder).as("appends answered before an earlier one").isGreaterThan(100);
        assertThat(rewards[0]).as("reward earned").isGreaterThan(1_000);
        assertThat(dispatcher.policyFellBack()).as("fell back (learned %.1f, shadow %.1f)", rewards[0], rewards[1]).isFalse();
        if (shadowCapacity < 8_192) {
            // a class holds more than the shadow remembers: the arrivals it forgot count as missed
            // for strict, so the shadow earns less than the lanes, never more (no false fallback)
            assertThat(rewards[1]).as("shadow over its capacity against learned").isLessThan(rewards[0]);
        } else {
            assertThat(rewards[0]).as("learned against its shadow").isCloseTo(rewards[1], within(1e-6 * rewards[1]));
        }
    }

    /**
     * The shipped table through the lanes as the load tool's maximum-rate runs drive them: four
     * workers, batches of up to 1,024, appends that take longer the more they carry, the load
     * tool's class mix (each class its own 20 keys) at about 1.3x what the workers append. Its
     * order (on-time keys first for late NORMAL and LOW) is judged at the answers of the appends,
     * as its lateness is, so it earns no less than its strict shadow beyond the tolerance and the
     * watchdog stays with it.
     */
    @Test
    void theShippedTableIsNotFoundWorseThanStrictWithFourWorkersAndBatchesOf1024() throws Exception {
        this.appendNanos = 200 * US;
        this.jitterMicros = 100;
        this.perMessageNanos = 20 * US;
        this.workers = 4;
        GatewayConfig.Scheduling scheduling = new GatewayConfig.Scheduling(PolicyKind.LEARNED, SchedulingConfig.defaults(), List.of());
        dispatcher = new IngressDispatcher(backend,
                new GatewayConfig.Dispatch(8_192, 1_024, GatewayConfig.Workers.fixed(workers), scheduling),
                new LanePolicies(scheduling, new PolicyFallbacks(), QTable.shipped()), clock::get);

        Random random = new Random(23);
        long end = clock.get() + 2_000 * MS;
        // 64 messages per offer; the workers append 4 x 1,024 per (200 µs + 1,024 x 20 µs): 1.3x that
        long offerEvery = (appendNanos + perMessageNanos * 1_024) * 64 / (4 * 1_024) * 10 / 13;
        long nextOffer = clock.get();
        int seq = 0;
        while (clock.get() < end) {
            GatedBackend.Held due = earliestDue();
            if (due != null && due.dueAt() <= nextOffer) {
                clock.set(due.dueAt());
                backend.answer(due);
            } else {
                clock.set(nextOffer);
                List<PendingPublish> offered = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    int c = classOf(random.nextInt(100));
                    offered.add(publish(c, "c" + c + "-k" + (seq / 5 % 20), seq++));
                }
                dispatcher.offer(offered);
                nextOffer += offerEvery;
            }
            settle();
        }

        double[] rewards = dispatcher.policyRewards();
        System.out.printf("shipped table: learned %.1f, shadow %.1f; %d appends%n", rewards[0], rewards[1], backend.answered());
        assertThat(rewards[1]).as("shadow reward").isGreaterThan(1_000);
        assertThat(dispatcher.policyFellBack()).as("fell back (learned %.1f, shadow %.1f)", rewards[0], rewards[1]).isFalse();
        assertThat(rewards[0]).as("learned against its shadow").isGreaterThanOrEqualTo(rewards[1] * 0.95);
    }

    private static int classOf(int percent) {
        int c = 0;
        while (percent >= SHARES[c]) {
            percent -= SHARES[c];
            c++;
        }
        return c;
    }

    private PendingPublish publish(int c, String key, int seq) {
        Message m = Message.newBuilder().setTopic("t." + key).setPriority(PRIORITIES[c])
                .setPayload(ByteString.copyFromUtf8(Integer.toString(seq))).build();
        return new PendingPublish(new Envelope(m, key, clock.get()), new PendingPublish.PublishCallback() {
            @Override
            public void onAppended(AppendResult result) {
            }

            @Override
            public void onFailed(Throwable cause) {
            }
        });
    }

    /**
     * Waits until every worker has issued its append or has nothing it could take. Busy workers
     * are counted again after looking for work: a worker may have been taking while the test
     * waited for the lanes' lock, and its append must be issued before the clock moves.
     */
    private void settle() {
        long giveUp = System.nanoTime() + 30_000 * MS;
        while (true) {
            int busy = dispatcher.busyWorkers();
            int inFlight = backend.inFlightCount();
            if (busy == inFlight && (busy == workers
                    || !dispatcher.workWaiting() && dispatcher.busyWorkers() == busy && backend.inFlightCount() == inFlight)) {
                return;
            }
            if (System.nanoTime() > giveUp) {
                throw new AssertionError("the workers did not settle: " + busy + " busy, " + inFlight + " appends in flight");
            }
            Thread.onSpinWait();
        }
    }

    /**
     * How long an append takes: the run's duration plus its jitter, a function of its first
     * message so it does not depend on which worker issued it first; so appends issued close
     * together are answered out of order.
     */
    private long appendDuration(List<Envelope> batch) {
        return appendNanos + (firstSeq(batch) * 7_919L) % jitterMicros * US + perMessageNanos * batch.size();
    }

    /** The append in flight due first; of two due at once, the one whose first message is older. */
    private GatedBackend.Held earliestDue() {
        return backend.inFlight().stream().min(Comparator.comparingLong(GatedBackend.Held::dueAt)
                .thenComparingInt(h -> firstSeq(h.batch()))).orElse(null);
    }

    private static int firstSeq(List<Envelope> batch) {
        int first = Integer.MAX_VALUE;
        for (Envelope e : batch) {
            first = Math.min(first, Integer.parseInt(e.message().getPayload().toStringUtf8()));
        }
        return first;
    }
}
