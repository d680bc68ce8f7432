package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.LaneSnapshot;
import io.tidegate.intelligence.scheduling.LearnedPolicy;
import io.tidegate.intelligence.scheduling.PolicyFactory;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.RegimeRules;
import io.tidegate.intelligence.scheduling.SafetyRails;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.intelligence.scheduling.StateEncoder;
import io.tidegate.intelligence.scheduling.TrafficClass;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains the shipped table as a contextual bandit over the discretised lane state, by
 * approximate policy iteration in simulation. Starting from strict priority (the empty table),
 * each iteration runs the current policy on the training workloads and seeds; at sampled
 * decisions it forks the simulator once per non-empty class ("drain this one now, then carry on
 * with the current policy") over the same future arrivals, and the difference in weighted misses
 * (CRITICAL excepted: the rails decide it) against draining what strict priority would have
 * drained is that action's advantage. A state's
 * new choice is the action with the best mean advantage if that is positive by more than three
 * standard errors over enough samples; every other state decides as strict priority, so the
 * policy leaves strict only where the evidence says so, and a deviation that stops paying is
 * dropped in the next iteration.
 * Training seeds are 1..N, never the evaluation's held-out seeds. Deterministic for its arguments.
 * Run as a main; single-threaded.
 */
public final class RolloutTrainer {

    /** Workloads trained on. */
    public static final List<String> WORKLOADS = List.of("steady", "burst2x", "regime-shock");
    static final long HORIZON_NANOS = 25_000_000L;
    static final int STRIDE = 128;
    static final int MIN_SAMPLES = 30;
    static final double Z = 3.0;

    private final SchedulingConfig base = SchedulingConfig.defaults();
    private final StateEncoder encoder = PolicyFactory.encoder(base);
    private final double[] n = new double[StateEncoder.STATES * TrafficClass.COUNT];
    private final double[] sum = new double[n.length];
    private final double[] sumSq = new double[n.length];
    private final byte[] baseline = new byte[StateEncoder.STATES];
    private QTable table = new QTable();
    private long decisions;

    /** Runs {@code iterations} rounds over {@code seeds} training seeds per workload and returns the table. */
    public static QTable train(int iterations, int seeds) {
        RolloutTrainer t = new RolloutTrainer();
        for (int k = 0; k < iterations; k++) {
            t.iterate(seeds);
        }
        return t.table;
    }

    private void iterate(int seeds) {
        java.util.Arrays.fill(n, 0);
        java.util.Arrays.fill(sum, 0);
        java.util.Arrays.fill(sumSq, 0);
        java.util.Arrays.fill(baseline, (byte) -1);
        RegimeRules rules = RegimeRules.parse(RegimeRules.DEFAULTS);
        for (int seed = 1; seed <= seeds; seed++) {
            for (String name : WORKLOADS) {
                Workload w = WorkloadParser.resource(name);
                SchedulingConfig config = w.applyTo(base);
                Arrivals arrivals = Arrivals.generate(w, rules, seed);
                QTable current = table;
                Simulator.run(w, config, arrivals, new SafetyRails(new LearnedPolicy(current, encoder), config),
                        (sim, lanes) -> sample(sim, lanes, config, current));
            }
        }
        table = improved();
    }

    private void sample(Simulator sim, LaneSnapshot lanes, SchedulingConfig config, QTable current) {
        if (++decisions % STRIDE != 0 || !contested(lanes, config)) {
            return;
        }
        int state = encoder.encode(lanes);
        int chosen = highest(lanes);
        baseline[state] = (byte) chosen;
        double[] cost = new double[TrafficClass.COUNT];
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (!lanes.isEmpty(c)) {
                double[] perClass = sim.rollout(c, new SafetyRails(new LearnedPolicy(current, encoder), config), HORIZON_NANOS);
                // CRITICAL is left out: the rails serve it first whatever the table says, and its
                // misses in a rollout come from which long service a CRITICAL arrival happens to
                // land behind, noise that a one-message change reshuffles
                for (int k = TrafficClass.HIGH.ordinal(); k < TrafficClass.COUNT; k++) {
                    cost[c] += perClass[k];
                }
            }
        }
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (!lanes.isEmpty(c) && c != chosen) {
                double adv = cost[chosen] - cost[c];
                int i = state * TrafficClass.COUNT + c;
                n[i]++;
                sum[i] += adv;
                sumSq[i] += adv * adv;
            }
        }
    }

    private static int highest(LaneSnapshot lanes) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (!lanes.isEmpty(c)) {
                return c;
            }
        }
        return -1;
    }

    /** A real choice: CRITICAL empty (the rails decide otherwise), nobody overdue, two classes waiting. */
    private static boolean contested(LaneSnapshot lanes, SchedulingConfig config) {
        if (!lanes.isEmpty(TrafficClass.CRITICAL.ordinal())) {
            return false;
        }
        int waiting = 0;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (!lanes.isEmpty(c)) {
                waiting++;
                if (lanes.oldestWait(c) >= config.of(c).maxWaitNanos()) {
                    return false;
                }
            }
        }
        return waiting >= 2;
    }

    private QTable improved() {
        QTable next = new QTable();
        for (int s = 0; s < StateEncoder.STATES; s++) {
            if (baseline[s] < 0) {
                continue;
            }
            int best = -1;
            double bestMean = 0;
            for (int c = 0; c < TrafficClass.COUNT; c++) {
                int i = s * TrafficClass.COUNT + c;
                if (c == baseline[s] || n[i] < MIN_SAMPLES) {
                    continue;
                }
                double mean = sum[i] / n[i];
                double se = Math.sqrt(Math.max(0, sumSq[i] / n[i] - mean * mean) / (n[i] - 1));
                if (mean - Z * se > 0 && mean > bestMean) {
                    best = c;
                    bestMean = mean;
                }
            }
            if (best >= 0) {
                next.set(s, baseline[s], 0f);
                next.set(s, best, (float) bestMean);
            }
        }
        return next;
    }

    /** Usage: RolloutTrainer [iterations] [seeds] [output path]. */
    public static void main(String[] args) throws IOException {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        Path out = Path.of(args.length > 2 ? args[2] : "intelligence/src/main/resources/scheduling/q-table.txt");
        QTable table = train(iterations, seeds);
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            table.write(w);
        }
        System.out.println("wrote " + out + ": " + table.knownStates() + " states known");
    }
}
