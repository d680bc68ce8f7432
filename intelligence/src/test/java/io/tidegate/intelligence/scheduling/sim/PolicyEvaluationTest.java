package io.tidegate.intelligence.scheduling.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.QTable;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped table on held-out seeds. What it guarantees is that learning never costs: weighted
 * misses no worse than the best static policy and CRITICAL p99 within 10 % of strict. (It does
 * not beat strict on these workloads; see docs/scheduling.md.)
 */
class PolicyEvaluationTest {

    @ParameterizedTest
    @ValueSource(strings = {"steady", "burst2x", "regime-shock"})
    void theShippedTableIsNoWorseThanTheBestStaticPolicyAndKeepsCriticalP99(String workload) {
        Map<PolicyKind, PolicyStats> stats = Evaluation.run(WorkloadParser.resource(workload), QTable.shipped(),
                Evaluation.HELD_OUT_SEEDS.subList(0, 3));
        PolicyStats best = stats.get(Evaluation.bestStatic(stats));
        PolicyStats learned = stats.get(PolicyKind.LEARNED);
        for (int seed = 0; seed < learned.seeds(); seed++) {
            assertThat(learned.weightedMisses(seed)).isLessThanOrEqualTo(best.weightedMisses(seed));
        }
        assertThat(Evaluation.criticalP99Excess(stats)).isLessThanOrEqualTo(Evaluation.CRITICAL_P99_TOLERANCE);
        assertThat(learned.fallbacks()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"burst2x", "regime-shock"})
    void underContentionTheStaticPoliciesDifferSoTheComparisonMeansSomething(String workload) {
        Map<PolicyKind, PolicyStats> stats = Evaluation.run(WorkloadParser.resource(workload), QTable.shipped(),
                Evaluation.HELD_OUT_SEEDS.subList(0, 1));
        assertThat(stats.get(PolicyKind.STRICT).meanWeightedMisses()).isPositive();
        assertThat(stats.get(PolicyKind.WEIGHTED).meanWeightedMisses())
                .isGreaterThan(stats.get(PolicyKind.STRICT).meanWeightedMisses() * 1.2);
        assertThat(stats.get(PolicyKind.FIFO).meanWeightedMisses())
                .isGreaterThan(stats.get(PolicyKind.STRICT).meanWeightedMisses() * 1.2);
    }
}
