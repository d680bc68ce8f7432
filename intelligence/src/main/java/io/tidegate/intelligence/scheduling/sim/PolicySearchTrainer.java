package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.PolicyFactory;
import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.RegimeRules;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.intelligence.scheduling.StateEncoder;
import io.tidegate.intelligence.scheduling.TrafficClass;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains the shipped table by policy search in simulation. The table it writes drains the class
 * strict priority would drain (class swaps did not pay; see docs/scheduling.md) and chooses how to
 * drain within it from that class's level in the state: for each class below CRITICAL and each
 * late level ({@link StateEncoder}: some keys late, mostly late) one bit says "on-time keys
 * first". Starting from all bits off (exactly strict), coordinate ascent flips one bit at a time
 * and keeps the flip when the whole learned policy, inside the rails and the watchdog, run over
 * the training workloads and seeds 1..N (never the evaluation's held-out seeds) by both hosts
 * (one drain thread, {@link Simulator}, and the gateway's ingress lanes, {@link IngressSimulator}
 * with {@link SchedulingEvaluation#POOL}), misses less: the objective is the sum over workloads
 * and hosts of weighted misses relative to strict's, so a small workload counts as much as a big one. Judging whole runs rather than single decisions is what
 * makes it see that serving fresh keys first pays over a burst, not per message. Deterministic
 * for its arguments. Run as a main; single-threaded.
 */
public final class PolicySearchTrainer {

    /** The late levels of {@link StateEncoder} a bit exists for. */
    static final int[] LATE_LEVELS = {2, 3};

    private final SchedulingConfig base = SchedulingConfig.defaults();
    private final RegimeRules rules = RegimeRules.parse(RegimeRules.DEFAULTS);
    private final List<Workload> workloads = new ArrayList<>();
    /** Each workload is run by both hosts: one drain thread ({@code null}) and the gateway's ingress lanes. */
    private final List<IngressSimulator.Pool> hosts = java.util.Arrays.asList(null, SchedulingEvaluation.POOL);
    private final double[] strictCost;
    private final int seeds;

    private PolicySearchTrainer(int seeds) {
        this.seeds = seeds;
        for (String name : RolloutTrainer.WORKLOADS) {
            workloads.add(WorkloadParser.resource(name));
        }
        strictCost = new double[workloads.size() * hosts.size()];
        QTable strict = new QTable();
        for (int w = 0; w < strictCost.length; w++) {
            strictCost[w] = misses(w, strict);
        }
    }

    /** The table for a set of bits: {@code onTime[c][level]} drains class c on-time first at that level. */
    public static QTable table(boolean[][] onTime) {
        QTable t = new QTable();
        for (int s = 0; s < StateEncoder.STATES; s++) {
            int c = strictClass(s);
            if (c > TrafficClass.CRITICAL.ordinal() && onTime[c][StateEncoder.levelOf(s, c)]) {
                t.set(s, QTable.action(c, false), 0f);
                t.set(s, QTable.action(c, true), 1f);
            }
        }
        return t;
    }

    private static int strictClass(int state) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (StateEncoder.levelOf(state, c) != 0) {
                return c;
            }
        }
        return -1;
    }

    /** Runs {@code rounds} passes of coordinate ascent over {@code seeds} training seeds per workload; returns the bits. */
    public static boolean[][] train(int rounds, int seeds) {
        PolicySearchTrainer t = new PolicySearchTrainer(seeds);
        boolean[][] bits = new boolean[TrafficClass.COUNT][StateEncoder.LEVELS];
        double best = t.objective(bits);
        System.out.printf(Locale.ROOT, "strict: objective %.4f%n", best);
        for (int r = 0; r < rounds; r++) {
            boolean changed = false;
            for (int c = TrafficClass.HIGH.ordinal(); c < TrafficClass.COUNT; c++) {
                for (int level : LATE_LEVELS) {
                    bits[c][level] = !bits[c][level];
                    double o = t.objective(bits);
                    boolean keep = o < best;
                    System.out.printf(Locale.ROOT, "round %d: %s level %d on-time first %s: objective %.4f (%s)%n", r + 1,
                            TrafficClass.of(c), level, bits[c][level], o, keep ? "kept" : "reverted");
                    if (keep) {
                        best = o;
                        changed = true;
                    } else {
                        bits[c][level] = !bits[c][level];
                    }
                }
            }
            if (!changed) {
                break;
            }
        }
        return bits;
    }

    /** Sum over the workloads and hosts of (weighted misses + 1) / (strict's + 1). */
    private double objective(boolean[][] bits) {
        QTable table = table(bits);
        double o = 0;
        for (int w = 0; w < strictCost.length; w++) {
            o += (misses(w, table) + 1) / (strictCost[w] + 1);
        }
        return o;
    }

    /** @param run a workload and a host: workload {@code run / hosts}, host {@code run % hosts} */
    private double misses(int run, QTable table) {
        Workload w = workloads.get(run / hosts.size());
        IngressSimulator.Pool host = hosts.get(run % hosts.size());
        SchedulingConfig config = w.applyTo(base);
        double total = 0;
        for (long seed = 1; seed <= seeds; seed++) {
            Arrivals arrivals = Arrivals.generate(w, rules, seed);
            total += Evaluation.simulate(w, config, host, arrivals, PolicyFactory.create(PolicyKind.LEARNED, config, table, e -> { }))
                    .weightedMisses();
        }
        return total;
    }

    /** Usage: PolicySearchTrainer [rounds] [seeds] [output path]. */
    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Path out = Path.of(args.length > 2 ? args[2] : "intelligence/src/main/resources/scheduling/q-table.txt");
        QTable table = table(train(rounds, seeds));
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            table.write(w);
        }
        System.out.println("wrote " + out + ": " + table.knownStates() + " states known");
    }
}
