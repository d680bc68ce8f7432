package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.DispatchPolicy;
import io.tidegate.intelligence.scheduling.PolicyFactory;
import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.RegimeRules;
import io.tidegate.intelligence.scheduling.RewardWatchdog;
import io.tidegate.intelligence.scheduling.SafetyRails;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.intelligence.scheduling.TrafficClass;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Runs all four policies (each inside the safety rails) on one workload over the same arrivals
 * per seed and collects {@link PolicyStats}; decides the verdict: learned beats the best static
 * policy on mean weighted misses, and its CRITICAL p99 is within 10 % of strict's. Stateless;
 * any thread.
 */
public final class Evaluation {

    /** Held-out seeds: never used in training (training uses 1..N). */
    public static final List<Long> HELD_OUT_SEEDS = List.of(1001L, 1002L, 1003L, 1004L, 1005L);
    /** CRITICAL p99 may exceed strict's by at most this fraction. */
    public static final double CRITICAL_P99_TOLERANCE = 0.10;

    private Evaluation() {
    }

    /** The stats of every policy on a workload over the seeds, one drain thread serving a message at a time. */
    public static Map<PolicyKind, PolicyStats> run(Workload w, QTable table, List<Long> seeds) {
        return run(w, table, seeds, null);
    }

    /**
     * The stats of every policy on a workload over the seeds, through the ingress lanes of a
     * worker pool ({@link IngressSimulator}), or one drain thread ({@link Simulator}) when
     * {@code pool} is null.
     */
    public static Map<PolicyKind, PolicyStats> run(Workload w, QTable table, List<Long> seeds, IngressSimulator.Pool pool) {
        SchedulingConfig config = w.applyTo(SchedulingConfig.defaults());
        RegimeRules rules = RegimeRules.parse(RegimeRules.DEFAULTS);
        Map<PolicyKind, PolicyStats> stats = new EnumMap<>(PolicyKind.class);
        for (PolicyKind k : PolicyKind.values()) {
            stats.put(k, new PolicyStats(k.configName()));
        }
        for (long seed : seeds) {
            Arrivals arrivals = Arrivals.generate(w, rules, seed);
            for (PolicyKind k : PolicyKind.values()) {
                SafetyRails policy = PolicyFactory.create(k, config, table, event -> { });
                SimResult r = simulate(w, config, pool, arrivals, policy);
                r.fellBack = policy.inner() instanceof RewardWatchdog wd && wd.fallenBack();
                stats.get(k).add(r);
            }
        }
        return stats;
    }

    /** One run through the pool's ingress lanes, or one drain thread when {@code pool} is null. */
    static SimResult simulate(Workload w, SchedulingConfig config, IngressSimulator.Pool pool, Arrivals arrivals,
                              DispatchPolicy policy) {
        return pool == null ? Simulator.run(w, config, arrivals, policy) : IngressSimulator.run(w, config, pool, arrivals, policy);
    }

    /** The static policy with the fewest mean weighted misses. */
    public static PolicyKind bestStatic(Map<PolicyKind, PolicyStats> stats) {
        PolicyKind best = PolicyKind.STRICT;
        for (PolicyKind k : List.of(PolicyKind.FIFO, PolicyKind.STRICT, PolicyKind.WEIGHTED)) {
            if (stats.get(k).meanWeightedMisses() < stats.get(best).meanWeightedMisses()) {
                best = k;
            }
        }
        return best;
    }

    /** Learned CRITICAL p99 over strict's, minus 1 (0.05 = 5 % worse). */
    public static double criticalP99Excess(Map<PolicyKind, PolicyStats> stats) {
        int c = TrafficClass.CRITICAL.ordinal();
        double strict = stats.get(PolicyKind.STRICT).meanP99(c);
        return strict == 0 ? 0 : stats.get(PolicyKind.LEARNED).meanP99(c) / strict - 1;
    }
}
