package io.tidegate.intelligence.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.intelligence.scheduling.sim.Arrivals;
import io.tidegate.intelligence.scheduling.sim.SimResult;
import io.tidegate.intelligence.scheduling.sim.Simulator;
import io.tidegate.intelligence.scheduling.sim.Workload;
import io.tidegate.intelligence.scheduling.sim.WorkloadParser;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SafetyRailsTest {

    /** Overloaded, all classes sharing few keys, so class order and key order conflict all the time. */
    private static Workload randomisedSharedKeys(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder w = new StringBuilder("workload name=shared duration=2s keys=6\n"
                + "service dist=lognormal median=60us p99=300us per-kib=4us\n");
        String[] kinds = {"cancel", "order", "quote", "report", "snapshot"};
        for (TrafficClass c : TrafficClass.values()) {
            w.append("class name=").append(c).append(" rate=").append(500 + r.nextInt(4000))
                    .append(" kind=").append(kinds[c.ordinal()]).append(" group=all\n");
        }
        w.append("burst class=").append(TrafficClass.of(r.nextInt(5))).append(" factor=4 start=300ms length=200ms every=700ms\n");
        return WorkloadParser.parse("shared-" + seed, w.toString());
    }

    /** A table that always drains the lowest class, oldest first: the worst a learned table could do. Also used by other tests. */
    static QTable reversePriorityTable() {
        return reversePriorityTable(false);
    }

    /** As {@link #reversePriorityTable()}, on-time keys first when asked: the within-class order that moves keys around most. */
    static QTable reversePriorityTable(boolean onTimeFirst) {
        QTable t = new QTable();
        for (int s = 0; s < StateEncoder.STATES; s++) {
            for (int c = 0; c < TrafficClass.COUNT; c++) {
                t.set(s, QTable.action(c, onTimeFirst), c);
            }
        }
        return t;
    }

    @ParameterizedTest
    @EnumSource(PolicyKind.class)
    void orderWithinAnOrderingKeyNeverChangesUnderAnyPolicy(PolicyKind kind) {
        for (long seed = 1; seed <= 4; seed++) {
            Workload w = randomisedSharedKeys(seed);
            SchedulingConfig config = w.applyTo(SchedulingConfig.defaults());
            Arrivals a = Arrivals.generate(w, RegimeRules.none(), seed);
            // for learned: oldest first on odd seeds, on-time keys first on even ones
            QTable table = reversePriorityTable(seed % 2 == 0);
            SimResult r = Simulator.run(w, config, a, PolicyFactory.create(kind, config, table, e -> { }));

            Map<Integer, Integer> lastOfKey = new HashMap<>();
            int promoted = 0;
            for (int i : r.order) {
                Integer previous = lastOfKey.put(a.key[i], i);
                // arrivals are numbered in arrival order, so within a key the numbers must rise
                assertThat(previous == null || previous < i)
                        .as("%s seed %d: message %d of key %d dispatched after later message %d", kind, seed, i, a.key[i], previous)
                        .isTrue();
                promoted += r.promoted[i] ? 1 : 0;
            }
            // the lanes really had to keep order against the class order
            assertThat(promoted).as("messages that rode along ahead of a later one of their key").isPositive();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2})
    void criticalIsBypassedByAtMostTheConfiguredNumberOfLowerClassMessages(int bypass) {
        Workload w = WorkloadParser.resource("burst2x");
        SchedulingConfig config = w.applyTo(SchedulingConfig.defaults()).withCriticalMaxBypass(bypass);
        Arrivals a = Arrivals.generate(w, RegimeRules.none(), 7);
        for (DispatchPolicy inner : new DispatchPolicy[] {new FifoPolicy(), new StrictPriorityPolicy(),
                new LearnedPolicy(reversePriorityTable(), PolicyFactory.encoder(config)),
                new LearnedPolicy(reversePriorityTable(true), PolicyFactory.encoder(config))}) {
            SimResult railed = Simulator.run(w, config, a, new SafetyRails(inner, config));
            assertThat(maxBypass(railed)).as("%s inside the rails", inner.name()).isLessThanOrEqualTo(bypass);
        }
        // without the rails, a policy that ignores classes does delay CRITICAL behind lower classes
        assertThat(maxBypass(Simulator.run(w, config, a, new FifoPolicy()))).isGreaterThan(bypass);
    }

    /** Most lower-class messages, decided after a CRITICAL message arrived, that started before it (key predecessors excepted). */
    private static int maxBypass(SimResult r) {
        Arrivals a = r.arrivals;
        int worst = 0;
        int critical = TrafficClass.CRITICAL.ordinal();
        int[] position = new int[a.size];
        for (int k = 0; k < r.order.length; k++) {
            position[r.order[k]] = k;
        }
        for (int i = 0; i < a.size; i++) {
            if (a.classIndex[i] != critical) {
                continue;
            }
            int bypassed = 0;
            for (int k = position[i] - 1; k >= 0; k--) {
                int j = r.order[k];
                if (r.start[j] < a.time[i]) {
                    break; // started before the CRITICAL message arrived: in flight, not a choice
                }
                if (a.classIndex[j] != critical && !r.promoted[j] && r.decidedAt[j] >= a.time[i]) {
                    bypassed++;
                }
            }
            worst = Math.max(worst, bypassed);
        }
        return worst;
    }

    @Test
    void noClassWaitsBeyondItsMaximumWaitPlusTheServiceInFlight() {
        // HIGH alone keeps the backend about 94 % busy (sustainable, but with long busy periods);
        // BULK trickles in and strict would make it wait out every busy period
        Workload w = WorkloadParser.parse("starve", """
                workload name=starve duration=3s keys=16
                service dist=lognormal median=60us p99=250us
                class name=HIGH rate=13000 kind=order
                class name=BULK rate=50 kind=snapshot
                """);
        long maxWait = 20_000_000L;
        SchedulingConfig config = w.applyTo(SchedulingConfig.defaults())
                .with(TrafficClass.BULK, new ClassSettings(10_000_000L, 0.2, maxWait, 1));
        Arrivals a = Arrivals.generate(w, RegimeRules.none(), 3);
        int bulk = TrafficClass.BULK.ordinal();

        SimResult unrailed = Simulator.run(w, config, a, new StrictPriorityPolicy());
        assertThat(unrailed.maxWait(bulk)).as("strict without rails starves BULK").isGreaterThan(maxWait);

        SafetyRails rails = new SafetyRails(new StrictPriorityPolicy(), config);
        SimResult railed = Simulator.run(w, config, a, rails);
        long longestService = 0;
        for (int i = 0; i < a.size; i++) {
            longestService = Math.max(longestService, railed.done[i] - railed.start[i]);
        }
        assertThat(railed.maxWait(bulk)).isLessThanOrEqualTo(maxWait + longestService);
        assertThat(rails.forcedStarving()).isPositive();
    }

    @Test
    void aChoiceOfAnEmptyLaneIsReplacedByStrictPriority() {
        SchedulingConfig config = SchedulingConfig.defaults();
        SafetyRails rails = new SafetyRails(new DispatchPolicy() {
            @Override
            public int choose(LaneSnapshot lanes) {
                return TrafficClass.BULK.ordinal();
            }

            @Override
            public String name() {
                return "always-bulk";
            }
        }, config);
        LaneSnapshot s = new LaneSnapshot().at(1_000, 100, 0).lane(TrafficClass.NORMAL.ordinal(), 3, 500);
        assertThat(rails.choose(s)).isEqualTo(TrafficClass.NORMAL.ordinal());
        assertThat(rails.choose(new LaneSnapshot().at(0, 0, 0))).isEqualTo(DispatchPolicy.NONE);
    }

    @Test
    void onTimeFirstStandsOnlyForAFreeChoiceBelowCriticalAndBelowTheMaximumWait() {
        SchedulingConfig config = SchedulingConfig.defaults();
        int normal = TrafficClass.NORMAL.ordinal();
        SafetyRails rails = new SafetyRails(new DispatchPolicy() {
            @Override
            public int choose(LaneSnapshot lanes) {
                return normal;
            }

            @Override
            public boolean onTimeFirst() {
                return true;
            }

            @Override
            public String name() {
                return "normal-on-time-first";
            }
        }, config);
        long now = 2_000_000_000L;
        assertThat(rails.choose(new LaneSnapshot().at(now, 60_000, 0).lane(normal, 50, now - 80_000_000L))).isEqualTo(normal);
        assertThat(rails.onTimeFirst()).isTrue();

        // NORMAL's oldest message has waited its maximum wait (1 s): it goes first
        assertThat(rails.choose(new LaneSnapshot().at(now, 60_000, 0).lane(normal, 50, now - 1_000_000_000L))).isEqualTo(normal);
        assertThat(rails.onTimeFirst()).isFalse();

        // CRITICAL waits: the rails serve it, oldest first
        assertThat(rails.choose(new LaneSnapshot().at(now, 60_000, 0).lane(0, 2, now - 10_000L).lane(normal, 50, now - 80_000_000L)))
                .isEqualTo(0);
        assertThat(rails.onTimeFirst()).isFalse();
    }
}
