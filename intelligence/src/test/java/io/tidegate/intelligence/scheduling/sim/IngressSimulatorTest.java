package io.tidegate.intelligence.scheduling.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.intelligence.scheduling.PolicyFactory;
import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.RegimeRules;
import io.tidegate.intelligence.scheduling.RewardWatchdog;
import io.tidegate.intelligence.scheduling.SafetyRails;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class IngressSimulatorTest {

    private static final IngressSimulator.Pool POOL = new IngressSimulator.Pool(4, 64, 20_000);

    private static SimResult run(String workload, PolicyKind kind, QTable table, IngressSimulator.Pool pool, long seed,
                                 SafetyRails[] policyOut) {
        Workload w = WorkloadParser.resource(workload);
        SchedulingConfig config = w.applyTo(SchedulingConfig.defaults());
        Arrivals a = Arrivals.generate(w, RegimeRules.parse(RegimeRules.DEFAULTS), seed);
        SafetyRails policy = PolicyFactory.create(kind, config, table, e -> { });
        if (policyOut != null) {
            policyOut[0] = policy;
        }
        return IngressSimulator.run(w, config, pool, a, policy);
    }

    @ParameterizedTest
    @EnumSource(PolicyKind.class)
    void everyMessageIsAnsweredOnceNoneBeforeItArrivedAndTheSameSeedGivesTheSameRun(PolicyKind kind) {
        SimResult r = run("burst2x", kind, QTable.shipped(), POOL, 7, null);
        boolean[] seen = new boolean[r.arrivals.size];
        for (int i : r.order) {
            assertThat(seen[i]).isFalse();
            seen[i] = true;
            assertThat(r.decidedAt[i]).isGreaterThanOrEqualTo(r.arrivals.time[i]);
            assertThat(r.start[i]).isGreaterThanOrEqualTo(r.decidedAt[i]);
            assertThat(r.done[i]).isGreaterThan(r.start[i]);
        }
        assertThat(r.order).hasSize(r.arrivals.size);
        assertThat(run("burst2x", kind, QTable.shipped(), POOL, 7, null).done).isEqualTo(r.done);
    }

    @ParameterizedTest
    @EnumSource(PolicyKind.class)
    void messagesOfOneKeyAreAnsweredInArrivalOrderAcrossWorkers(PolicyKind kind) {
        SimResult r = run("regime-shock", kind, QTable.shipped(), POOL, 3, null);
        int[] position = new int[r.arrivals.size];
        for (int p = 0; p < r.order.length; p++) {
            position[r.order[p]] = p;
        }
        Map<Integer, Integer> last = new HashMap<>();
        for (int i = 0; i < r.arrivals.size; i++) {
            Integer before = last.put(r.arrivals.key[i], i);
            if (before != null) {
                assertThat(position[i]).as("message %d after %d of key %d", i, before, r.arrivals.key[i])
                        .isGreaterThan(position[before]);
                // in the same append as the earlier one, or issued once that append was answered
                assertThat(r.start[i] == r.start[before] || r.start[i] >= r.done[before]).isTrue();
            }
        }
    }

    /** Batches taken while others wait for the backend are what the lanes add to a message's wait. */
    @Test
    void withSeveralWorkersAMessageWaitsBehindTheBatchesAlreadyTaken() {
        SimResult one = run("steady", PolicyKind.STRICT, new QTable(), new IngressSimulator.Pool(1, 1, 0), 1, null);
        SimResult four = run("steady", PolicyKind.STRICT, new QTable(), POOL, 1, null);
        assertThat(four.latencyQuantile(0, 0.99)).isGreaterThan(one.latencyQuantile(0, 0.99));
    }

    /** An empty table decides as strict, so through the simulated lanes it earns exactly what its shadow does. */
    @ParameterizedTest
    @CsvSource({"burst2x, 4, 64", "regime-shock, 4, 64", "saturate, 4, 1024", "burst2x, 3, 16"})
    void anEmptyTableEarnsExactlyWhatItsShadowDoes(String workload, int workers, int maxBatch) {
        SafetyRails[] policy = new SafetyRails[1];
        run(workload, PolicyKind.LEARNED, new QTable(), new IngressSimulator.Pool(workers, maxBatch, 20_000), 1, policy);
        RewardWatchdog watchdog = (RewardWatchdog) policy[0].inner();
        assertThat(watchdog.earned()).isPositive();
        assertThat(watchdog.earned()).isCloseTo(watchdog.shadowEarned(), org.assertj.core.api.Assertions.within(1e-6));
        assertThat(watchdog.fallenBack()).isFalse();
    }
}
