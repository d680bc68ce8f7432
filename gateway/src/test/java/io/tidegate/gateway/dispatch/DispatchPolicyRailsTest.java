package io.tidegate.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static io.tidegate.gateway.dispatch.TestPublishes.IGNORE;
import static io.tidegate.gateway.dispatch.TestPublishes.publish;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.priority.LanePolicies;
import io.tidegate.gateway.priority.PolicyFallbacks;
import io.tidegate.intelligence.scheduling.ClassSettings;
import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.StateEncoder;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.intelligence.scheduling.TrafficClass;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The safety rails hold in the ingress lanes under every {@code dispatch.policy}: order within an
 * ordering key never changes, a waiting CRITICAL message is passed by at most
 * {@code dispatch.critical-max-bypass} lower-class messages, a class whose head reached its
 * {@code max-wait} is served next, and a learned policy that earns less than strict priority
 * falls back once, with one log line and the fallback count. The backend is hand-cranked, so
 * everything offered waits in the lanes while the policy decides.
 */
class DispatchPolicyRailsTest {

    private static final long MS = 1_000_000L;
    private static final Priority[] PRIORITIES = {Priority.PRIORITY_CRITICAL, Priority.PRIORITY_HIGH,
            Priority.PRIORITY_NORMAL, Priority.PRIORITY_LOW, Priority.PRIORITY_BULK};

    private final GatedBackend backend = new GatedBackend();
    private final PolicyFallbacks fallbacks = new PolicyFallbacks();
    private IngressDispatcher dispatcher;

    @AfterEach
    void stop() {
        backend.open();
        if (dispatcher != null) {
            dispatcher.close();
        }
    }

    private IngressDispatcher start(PolicyKind policy, int maxBatch, UnaryOperator<SchedulingConfig> settings) {
        return start(policy, maxBatch, settings, policy == PolicyKind.LEARNED ? QTable.shipped() : null);
    }

    private IngressDispatcher start(PolicyKind policy, int maxBatch, UnaryOperator<SchedulingConfig> settings, QTable table) {
        GatewayConfig.Scheduling scheduling = new GatewayConfig.Scheduling(policy,
                settings.apply(SchedulingConfig.defaults()), List.of());
        dispatcher = new IngressDispatcher(backend,
                new GatewayConfig.Dispatch(100_000, maxBatch, GatewayConfig.Workers.fixed(1), scheduling),
                new LanePolicies(scheduling, fallbacks, table));
        return dispatcher;
    }

    /** A table that always drains the lowest non-empty class: truly worse than strict. */
    private static QTable lowestClassFirst() {
        QTable t = new QTable();
        for (int s = 0; s < StateEncoder.STATES; s++) {
            for (int c = 0; c < TrafficClass.COUNT; c++) {
                t.set(s, QTable.action(c, false), c);
            }
        }
        return t;
    }

    private static PendingPublish volatilePublish(String key, String payload, Priority priority) {
        Envelope e = publish(key, payload, priority).envelope();
        return new PendingPublish(new Envelope(e.message(), key, 0, null, true), IGNORE);
    }

    /**
     * A table that knows only the states with the VOLATILE bit, and in them drains BULK: unknown
     * (non-volatile) states are decided as strict.
     */
    private static QTable bulkFirstWhileVolatileWaits() {
        QTable t = new QTable();
        for (int s = 1; s < StateEncoder.STATES; s += 2) {
            t.set(s, QTable.action(TrafficClass.BULK.ordinal(), false), 1);
        }
        return t;
    }

    @Test
    void theLearnedPolicySeesWhetherAMessageOfAVolatileInstrumentWaits() throws Exception {
        start(PolicyKind.LEARNED, 1, s -> s, bulkFirstWhileVolatileWaits());
        occupy();
        dispatcher.offer(List.of(publish("b1", "bulk-1", Priority.PRIORITY_BULK),
                publish("n1", "normal-1", Priority.PRIORITY_NORMAL)));
        for (int appended = 2; appended <= 3; appended++) {
            backend.completeOne();
            int n = appended;
            await().until(() -> backend.appended().size() == n);
        }
        backend.completeOne();
        // now a LOW message of a volatile instrument waits too: the state's regime bit is set
        dispatcher.offer(List.of(publish("occupier2", "occupier2", Priority.PRIORITY_BULK)));
        await().until(() -> backend.appended().size() == 4);
        dispatcher.offer(List.of(publish("b2", "bulk-2", Priority.PRIORITY_BULK),
                publish("n2", "normal-2", Priority.PRIORITY_NORMAL),
                volatilePublish("v", "volatile-low", Priority.PRIORITY_LOW)));
        backend.open();
        await().until(() -> backend.appended().size() == 7);

        assertThat(backend.appended().subList(1, 3)).containsExactly("normal-1", "bulk-1");
        // bulk first while the volatile one waits; once it is gone the state is strict's again
        assertThat(backend.appended().subList(4, 7)).containsExactly("bulk-2", "normal-2", "volatile-low");
        assertThat(dispatcher.policyFellBack()).isFalse();
    }

    /** Occupies the single worker with one append the test has not answered yet. */
    private void occupy() {
        dispatcher.offer(List.of(publish("occupier", "occupier", Priority.PRIORITY_BULK)));
        await().until(() -> backend.appended().size() == 1);
    }

    private void completeUntil(int appended) throws InterruptedException {
        while (backend.appended().size() < appended) {
            backend.completeOne();
        }
    }

    @ParameterizedTest
    @EnumSource(PolicyKind.class)
    void orderWithinAKeyNeverChanges(PolicyKind policy) throws Exception {
        start(policy, 3, s -> s);
        occupy();
        Random random = new Random(7);
        Map<String, Integer> next = new HashMap<>();
        List<PendingPublish> mixed = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String key = "k" + random.nextInt(6);
            int seq = next.merge(key, 1, Integer::sum);
            mixed.add(publish(key, key + ":" + seq, PRIORITIES[random.nextInt(PRIORITIES.length)]));
            if (mixed.size() == 20) {
                assertThat(dispatcher.offer(mixed)).isEqualTo(IngressDispatcher.Offer.QUEUED);
                mixed = new ArrayList<>();
            }
        }
        completeUntil(401);

        Map<String, Integer> seen = new HashMap<>();
        for (String payload : backend.appended().subList(1, backend.appended().size())) {
            String[] parts = payload.split(":");
            int seq = Integer.parseInt(parts[1]);
            assertThat(seq).as("%s under %s after %s", payload, policy, seen.get(parts[0]))
                    .isEqualTo(seen.getOrDefault(parts[0], 0) + 1);
            seen.put(parts[0], seq);
        }
        assertThat(seen.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(400);
    }

    @ParameterizedTest
    @EnumSource(PolicyKind.class)
    void criticalIsPassedByAtMostTheBypassBound(PolicyKind policy) throws Exception {
        start(policy, 1, s -> s.withCriticalMaxBypass(2));
        occupy();
        List<PendingPublish> lower = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            lower.add(publish("bulk" + i, "bulk" + i, Priority.PRIORITY_BULK));
            lower.add(publish("low" + i, "low" + i, Priority.PRIORITY_LOW));
        }
        dispatcher.offer(lower);
        dispatcher.offer(List.of(publish("crit", "crit", Priority.PRIORITY_CRITICAL)));
        completeUntil(22);

        // index 0 went before the CRITICAL message was queued; every later append was chosen after
        assertThat(backend.appended().indexOf("crit")).as("under %s", policy).isBetween(1, 3);
    }

    /**
     * The tuner's class-batch floor raises how much one decision takes from a class, but not past
     * the bypass bound: while CRITICAL waits, a lower class's batch is the rails' own limit.
     */
    @ParameterizedTest
    @EnumSource(PolicyKind.class)
    void theClassBatchFloorDoesNotWidenTheBypassWhileCriticalWaits(PolicyKind policy) throws Exception {
        start(policy, 8, s -> s.withCriticalMaxBypass(2));
        dispatcher.classBatchFloor(16);
        occupy();
        List<PendingPublish> bulk = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            bulk.add(publish("bulk" + i, "bulk" + i, Priority.PRIORITY_BULK));
        }
        dispatcher.offer(bulk);
        dispatcher.offer(List.of(publish("crit", "crit", Priority.PRIORITY_CRITICAL)));
        completeUntil(22);

        assertThat(backend.appended().indexOf("crit")).as("under %s", policy).isBetween(1, 3);
    }

    @ParameterizedTest
    @EnumSource(PolicyKind.class)
    void aClassAtItsMaxWaitIsServedNext(PolicyKind policy) throws Exception {
        start(policy, 1, s -> s
                .with(TrafficClass.HIGH, new ClassSettings(5 * MS, 20, TimeUnit.HOURS.toNanos(1), 1))
                .with(TrafficClass.BULK, new ClassSettings(MS, 0.2, MS, 1)));
        occupy();
        List<PendingPublish> high = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            high.add(publish("high" + i, "high" + i, Priority.PRIORITY_HIGH));
        }
        dispatcher.offer(List.of(publish("bulk", "bulk", Priority.PRIORITY_BULK)));
        dispatcher.offer(high);
        Thread.sleep(5); // longer than BULK's max-wait: it is overdue when the worker next chooses
        completeUntil(32);

        assertThat(backend.appended().indexOf("bulk")).as("under %s", policy).isEqualTo(1);
    }

    @Test
    void strictWithoutRailsPressureServesHighestFirst() throws Exception {
        start(PolicyKind.STRICT, 1, s -> s);
        occupy();
        dispatcher.offer(List.of(publish("bulk", "bulk", Priority.PRIORITY_BULK),
                publish("normal", "normal", Priority.PRIORITY_NORMAL),
                publish("high", "high", Priority.PRIORITY_HIGH)));
        completeUntil(4);

        assertThat(backend.appended()).containsExactly("occupier", "high", "normal", "bulk");
    }

    @Test
    void learnedThatEarnsLessThanStrictFallsBackOnceAndSaysSo() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(PolicyFallbacks.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            // HIGH and BULK both due in 50 ms; one reward window of 2 s, no tolerance
            start(PolicyKind.LEARNED, 1, s -> s.withWatchdog(2_000 * MS, 1, 0)
                    .with(TrafficClass.HIGH, new ClassSettings(50 * MS, 20, 10_000 * MS, 1))
                    .with(TrafficClass.BULK, new ClassSettings(50 * MS, 0.2, 10_000 * MS, 1)), lowestClassFirst());
            occupy();
            List<PendingPublish> waiting = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                waiting.add(publish("b" + i, "b" + i, Priority.PRIORITY_BULK));
                waiting.add(publish("h" + i, "h" + i, Priority.PRIORITY_HIGH));
            }
            dispatcher.offer(waiting);
            // the same 201 appends, one at a time at least 1 ms apart, whatever the order: strict
            // would have spent the first ones on HIGH (weight 20), this table spends them on BULK
            for (int i = 0; i < 200; i++) {
                Thread.sleep(1);
                backend.completeOne(); // waits for the next append to be out, then answers it
            }
            await().until(() -> backend.appended().size() == 201);
            assertThat(backend.appended().get(1)).startsWith("b");
            Thread.sleep(2_100); // past the window
            backend.completeOne();
            dispatcher.offer(List.of(publish("after", "after", Priority.PRIORITY_NORMAL)));
            await().until(dispatcher::policyFellBack);
            // from then on it decides as strict
            await().until(() -> backend.appended().size() == 202);
            backend.completeOne();
            dispatcher.offer(List.of(publish("occupier2", "occupier2", Priority.PRIORITY_BULK)));
            await().until(() -> backend.appended().size() == 203);
            dispatcher.offer(List.of(publish("late-bulk", "late-bulk", Priority.PRIORITY_BULK),
                    publish("late-high", "late-high", Priority.PRIORITY_HIGH)));
            backend.open();
            await().until(() -> backend.appended().size() == 205);
            assertThat(backend.appended().subList(203, 205)).containsExactly("late-high", "late-bulk");

            assertThat(fallbacks.ingressFallbacks()).isEqualTo(1);
            assertThat(lines.list).filteredOn(e -> e.getLevel() == Level.WARN)
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("learned fell back to strict", "ingress"));
        } finally {
            logger.detachAppender(lines);
        }
    }

    /**
     * What made the learned policy fall back in every run through a real gateway: messages that
     * arrive while an append is out wait for it under any policy, but the strict shadow used to be
     * a busy single server of its own that served them at once, so a table deciding exactly as
     * strict earned less than "strict". The shadow now serves in the real completions' slots.
     */
    @Test
    void aTableThatDecidesAsStrictDoesNotFallBackWhenMessagesWaitForAnAppendInFlight() throws Exception {
        // an empty table knows no state, so it decides every state as strict would
        start(PolicyKind.LEARNED, 1000, s -> s.withWatchdog(10 * MS, 1, 0.01), new QTable());
        List<PendingPublish> bulk = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            bulk.add(publish("b" + i, "b" + i, Priority.PRIORITY_BULK));
        }
        dispatcher.offer(bulk);
        await().until(() -> backend.appended().size() == 1000);
        Thread.sleep(2);
        List<PendingPublish> critical = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            critical.add(publish("c" + i, "c" + i, Priority.PRIORITY_CRITICAL));
        }
        dispatcher.offer(critical);
        Thread.sleep(20);
        backend.completeOne();
        await().until(() -> backend.appended().size() == 1200);
        backend.open();
        for (int i = 0; i < 3; i++) {
            Thread.sleep(12); // past a window each time
            dispatcher.offer(List.of(publish("after" + i, "after" + i, Priority.PRIORITY_NORMAL)));
        }
        await().until(() -> backend.appended().size() == 1203);

        assertThat(dispatcher.policyFellBack()).isFalse();
        assertThat(fallbacks.ingressFallbacks()).isZero();
    }
}
