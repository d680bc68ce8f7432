package io.tidegate.intelligence.scheduling.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.intelligence.scheduling.PolicyFactory;
import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.RegimeRules;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SimulatorTest {

    private static SimResult run(PolicyKind kind, long seed) {
        Workload w = WorkloadParser.resource("regime-shock");
        SchedulingConfig config = w.applyTo(SchedulingConfig.defaults());
        Arrivals a = Arrivals.generate(w, RegimeRules.parse(RegimeRules.DEFAULTS), seed);
        return Simulator.run(w, config, a, PolicyFactory.create(kind, config, QTable.shipped(), e -> { }));
    }

    @ParameterizedTest
    @EnumSource(PolicyKind.class)
    void theSameSeedGivesTheSameRunAndAnotherSeedAnother(PolicyKind kind) {
        SimResult first = run(kind, 42);
        SimResult again = run(kind, 42);
        assertThat(again.arrivals.time).isEqualTo(first.arrivals.time);
        assertThat(again.order).isEqualTo(first.order);
        assertThat(again.done).isEqualTo(first.done);
        assertThat(again.weightedMisses()).isEqualTo(first.weightedMisses());

        assertThat(run(kind, 43).arrivals.time).isNotEqualTo(first.arrivals.time);
    }

    @ParameterizedTest
    @EnumSource(PolicyKind.class)
    void everyMessageIsDispatchedOnceAndNoneBeforeItArrived(PolicyKind kind) {
        SimResult r = run(kind, 7);
        boolean[] seen = new boolean[r.arrivals.size];
        for (int i : r.order) {
            assertThat(seen[i]).isFalse();
            seen[i] = true;
            assertThat(r.start[i]).isGreaterThanOrEqualTo(r.arrivals.time[i]);
        }
        assertThat(r.order).hasSize(r.arrivals.size);
    }
}
