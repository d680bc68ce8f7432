package io.tidegate.intelligence.balancing.sim;

import io.tidegate.intelligence.balancing.BalancerKind;
import io.tidegate.intelligence.balancing.BalancerSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints publish→ack latency (p50, p99, p99.9 in ms; mean over seeds with min–max) of {@code pull}
 * and {@code predictive} per scenario on one gateway and on two replicas, and the slow member's
 * share of the messages. Run with
 * {@code ./mvnw -q -pl intelligence compile exec:java -Dexec.skip=false -Dexec.mainClass=io.tidegate.intelligence.balancing.sim.BalancingEvaluation}.
 * Deterministic per seed. Single-threaded.
 */
public final class BalancingEvaluation {

    /** Seeds the settings were chosen on; tests use {@link #HELD_OUT_SEEDS}. */
    public static final List<Long> SEEDS = List.of(1L, 2L, 3L, 4L, 5L);
    /** Seeds never looked at while choosing the settings. */
    public static final List<Long> HELD_OUT_SEEDS = List.of(1001L, 1002L, 1003L, 1004L, 1005L);
    static final long DURATION = 60 * Scenario.S;

    /** Latency of one configuration over several seeds. */
    public record Row(Scenario scenario, BalancerKind kind, int replicas, List<RunResult> runs) {

        /** Mean over seeds of the q-th percentile, ms. */
        public double meanMs(double q) {
            return runs.stream().mapToDouble(r -> r.percentileNanos(q) / 1e6).average().orElseThrow();
        }

        double minMs(double q) {
            return runs.stream().mapToDouble(r -> r.percentileNanos(q) / 1e6).min().orElseThrow();
        }

        double maxMs(double q) {
            return runs.stream().mapToDouble(r -> r.percentileNanos(q) / 1e6).max().orElseThrow();
        }

        String cell(double q) {
            return String.format(Locale.ROOT, "%.2f (%.2f–%.2f)", meanMs(q), minMs(q), maxMs(q));
        }

        double slowShare() {
            int m = scenario.slowMember();
            return runs.stream().mapToDouble(r -> r.share(m)).average().orElseThrow();
        }
    }

    private BalancingEvaluation() {
    }

    /** Runs one configuration on each seed (the same arrivals for every configuration of a seed). */
    public static Row run(Scenario s, BalancerKind kind, int replicas, BalancerSettings settings, List<Long> seeds) {
        List<RunResult> runs = new ArrayList<>();
        for (long seed : seeds) {
            runs.add(GroupSimulator.run(s, GroupArrivals.generate(s, seed), kind, replicas, settings));
        }
        return new Row(s, kind, replicas, runs);
    }

    /** The scenarios of the evaluation, each run for {@code durationNanos}. */
    public static List<Scenario> scenarios(long durationNanos) {
        return List.of(Scenario.slowMember(durationNanos), Scenario.slowsDown(durationNanos),
                Scenario.slowsDownAndRecovers(durationNanos), Scenario.slowMember(durationNanos).lognormal(1.0),
                Scenario.slowMember(durationNanos).strict(1000), Scenario.slowsDown(durationNanos).strict(1000));
    }

    public static void main(String[] args) {
        BalancerSettings settings = BalancerSettings.defaults();
        System.out.printf(Locale.ROOT, "4 members (1 ms mean), member 3 10x slower as the scenario says; load 0.7 of "
                + "capacity while slow; credit 10; %d s per run; seeds %s; ms, mean (min-max) over seeds%n%n",
                DURATION / Scenario.S, SEEDS);
        System.out.println("| scenario | replicas | balancer | p50 | p99 | p99.9 | slow member's share |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Scenario s : scenarios(DURATION)) {
            for (int replicas = 1; replicas <= 2; replicas++) {
                for (BalancerKind kind : BalancerKind.values()) {
                    Row row = run(s, kind, replicas, settings, SEEDS);
                    long violations = row.runs().stream().mapToLong(RunResult::orderViolations).sum();
                    System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %.3f%s |%n", s.name(), replicas,
                            kind.configValue(), row.cell(0.5), row.cell(0.99), row.cell(0.999), row.slowShare(),
                            violations == 0 ? "" : " ORDER VIOLATIONS " + violations);
                }
            }
        }
    }
}
