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
 * An alternative trainer, not the one that makes the shipped table ({@link PolicySearchTrainer}
 * does): a contextual bandit over the discretised lane state, by approximate policy iteration in
 * simulation. Kept to reproduce what docs/scheduling.md reports about it: judged one decision at a
 * time it keeps class swaps that lose over whole runs, and misses most of what on-time-first pays. Starting from strict priority (the empty table),
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
    static final int STRIDE = 16;
    static final int MIN_SAMPLES = 30;
    static final double Z = 3.0;

    private final SchedulingConfig base = SchedulingConfig.defaults();
    private final StateEncoder encoder = PolicyFactory.encoder(base);
    private final double[] n = new double[StateEncoder.STATES * QTable.ACTIONS];
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
        int chosen = highest(lanes); // strict's action: the highest class, oldest first
        baseline[state] = (byte) chosen;
        double[] cost = new double[QTable.ACTIONS];
        for (int a = 0; a < QTable.ACTIONS; a++) {
            if (tried(a, lanes, config)) {
                double[] perClass = sim.rollout(a, new SafetyRails(new LearnedPolicy(current, encoder), config), HORIZON_NANOS);
                // CRITICAL is left out: the rails serve it first whatever the table says, and its
                // misses in a rollout come from which long service a CRITICAL arrival happens to
                // land behind, noise that a one-message change reshuffles
                for (int k = TrafficClass.HIGH.ordinal(); k < TrafficClass.COUNT; k++) {
                    cost[a] += perClass[k];
                }
            }
        }
        for (int a = 0; a < QTable.ACTIONS; a++) {
            if (a != chosen && tried(a, lanes, config)) {
                double adv = cost[chosen] - cost[a];
                int i = state * QTable.ACTIONS + a;
                n[i]++;
                sum[i] += adv;
                sumSq[i] += adv * adv;
            }
        }
    }

    /** Oldest first on every waiting class; on-time first only where something is late (otherwise it is nearly the same). */
    private static boolean tried(int action, LaneSnapshot lanes, SchedulingConfig config) {
        int c = QTable.classOf(action);
        return !lanes.isEmpty(c) && (!QTable.onTimeFirst(action) || late(lanes, c, config));
    }

    private static boolean late(LaneSnapshot lanes, int c, SchedulingConfig config) {
        return lanes.lateKeys(c) > 0 || lanes.oldestWait(c) + lanes.backendLatencyNanos() > config.of(c).deadlineNanos();
    }

    private static int highest(LaneSnapshot lanes) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (!lanes.isEmpty(c)) {
                return c;
            }
        }
        return -1;
    }

    /**
     * A real choice: CRITICAL empty (the rails decide otherwise), nobody overdue, and two classes
     * waiting or one with something late (so the order within it matters).
     */
    private static boolean contested(LaneSnapshot lanes, SchedulingConfig config) {
        if (!lanes.isEmpty(TrafficClass.CRITICAL.ordinal())) {
            return false;
        }
        int waiting = 0;
        boolean anyLate = false;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (!lanes.isEmpty(c)) {
                waiting++;
                anyLate |= late(lanes, c, config);
                if (lanes.oldestWait(c) >= config.of(c).maxWaitNanos()) {
                    return false;
                }
            }
        }
        return waiting >= 2 || anyLate;
    }

    private QTable improved() {
        QTable next = new QTable();
        for (int s = 0; s < StateEncoder.STATES; s++) {
            if (baseline[s] < 0) {
                continue;
            }
            int best = -1;
            double bestMean = 0;
            for (int a = 0; a < QTable.ACTIONS; a++) {
                int i = s * QTable.ACTIONS + a;
                if (a == baseline[s] || n[i] < MIN_SAMPLES) {
                    continue;
                }
                double mean = sum[i] / n[i];
                double se = Math.sqrt(Math.max(0, sumSq[i] / n[i] - mean * mean) / (n[i] - 1));
                if (mean - Z * se > bar(a, baseline[s]) && mean > bestMean) {
                    best = a;
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

    /**
     * How much a deviation from strict's action must pay per decision, beyond significance.
     * Draining the same class on-time first delays nobody of another class: 0. Draining another
     * class delays strict's class by a message, and over more than the rollout horizon that
     * costs more than the horizon shows (a swap that pays a fraction of a message per decision
     * in the rollout lost in whole runs), so it must pay at least the weight of the message it
     * delays.
     */
    private double bar(int action, int strictAction) {
        return QTable.classOf(action) == QTable.classOf(strictAction) ? 0 : base.of(QTable.classOf(strictAction)).weight();
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
