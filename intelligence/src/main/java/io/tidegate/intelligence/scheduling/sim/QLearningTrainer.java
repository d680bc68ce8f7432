package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.PolicyFactory;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.RegimeRules;
import io.tidegate.intelligence.scheduling.SafetyRails;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains the shipped Q-table in simulation: the training workloads on training seeds (1..N,
 * never the evaluation's held-out seeds), epsilon decaying over the runs, with the safety rails
 * on as in production. Deterministic for its arguments. Run as a main; single-threaded.
 */
public final class QLearningTrainer {

    /** Workloads trained on. */
    public static final List<String> WORKLOADS = List.of("steady", "burst2x", "regime-shock");
    static final double GAMMA = 0.99;
    static final int MIN_VISITS = 3;

    private QLearningTrainer() {
    }

    /** Trains over {@code seeds} seeds per workload and returns the table. */
    public static QTable train(int seeds) {
        SchedulingConfig base = SchedulingConfig.defaults();
        QLearner learner = new QLearner(PolicyFactory.encoder(base), GAMMA, 7);
        RegimeRules rules = RegimeRules.parse(RegimeRules.DEFAULTS);
        for (int seed = 1; seed <= seeds; seed++) {
            learner.epsilon(0.2 * (1 - (seed - 1.0) / seeds) + 0.02);
            for (String name : WORKLOADS) {
                Workload w = WorkloadParser.resource(name);
                SchedulingConfig config = w.applyTo(base);
                Arrivals arrivals = Arrivals.generate(w, rules, seed);
                learner.newEpisode();
                Simulator.run(w, config, arrivals, new SafetyRails(learner, config), learner);
            }
        }
        return learner.export(MIN_VISITS);
    }

    /** Usage: QLearningTrainer [seeds] [output path]. */
    public static void main(String[] args) throws IOException {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        Path out = Path.of(args.length > 1 ? args[1] : "intelligence/src/main/resources/scheduling/q-table.txt");
        QTable table = train(seeds);
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            table.write(w);
        }
        System.out.println("wrote " + out + ": " + table.knownStates() + " states known");
    }
}
