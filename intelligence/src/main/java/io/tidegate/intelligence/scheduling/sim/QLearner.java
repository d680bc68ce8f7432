package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.DispatchPolicy;
import io.tidegate.intelligence.scheduling.LaneSnapshot;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.StateEncoder;
import io.tidegate.intelligence.scheduling.TrafficClass;
import java.util.SplittableRandom;

/**
 * Tabular Q-learning of which class to drain, used only in simulation (training). The reward of
 * a step is minus the weighted misses that became certain since the previous decision, so the
 * return is the weighted deadlines met up to a constant; actions start at 0 (optimistic, since
 * rewards are never positive) and are explored epsilon-greedily. Runs inside {@link
 * io.tidegate.intelligence.scheduling.SafetyRails}, which reports the action actually taken.
 * Single-threaded.
 */
final class QLearner implements DispatchPolicy, Simulator.DecisionObserver {

    private final StateEncoder encoder;
    private final float[] q = new float[StateEncoder.STATES * TrafficClass.COUNT];
    private final int[] visits = new int[StateEncoder.STATES * TrafficClass.COUNT];
    private final double gamma;
    private final SplittableRandom rng;
    private double epsilon;
    private int state = -1;
    private int previous = -1;
    private double missesAtPrevious;

    QLearner(StateEncoder encoder, double gamma, long seed) {
        this.encoder = encoder;
        this.gamma = gamma;
        this.rng = new SplittableRandom(seed);
    }

    void epsilon(double e) {
        epsilon = e;
    }

    /** Forgets the last transition, so one run's end is not chained to the next run's start. */
    void newEpisode() {
        previous = -1;
        state = -1;
        missesAtPrevious = 0;
    }

    @Override
    public void beforeDecision(long now, LaneSnapshot lanes, double certainMissWeight) {
        int s = encoder.encode(lanes);
        if (previous >= 0) {
            double reward = -(certainMissWeight - missesAtPrevious);
            double target = reward + gamma * bestValue(s, lanes);
            int i = previous;
            visits[i]++;
            double alpha = Math.max(0.01, 1.0 / Math.pow(visits[i], 0.6));
            q[i] += (float) (alpha * (target - q[i]));
        }
        missesAtPrevious = certainMissWeight;
        state = s;
    }

    private double bestValue(int s, LaneSnapshot lanes) {
        double best = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (!lanes.isEmpty(c)) {
                best = Math.max(best, q[s * TrafficClass.COUNT + c]);
            }
        }
        return best == Double.NEGATIVE_INFINITY ? 0 : best;
    }

    @Override
    public int choose(LaneSnapshot lanes) {
        if (rng.nextDouble() < epsilon) {
            int c = rng.nextInt(TrafficClass.COUNT);
            for (int k = 0; k < TrafficClass.COUNT; k++, c = (c + 1) % TrafficClass.COUNT) {
                if (!lanes.isEmpty(c)) {
                    return c;
                }
            }
            return NONE;
        }
        int best = NONE;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (!lanes.isEmpty(c) && (best == NONE || q[state * TrafficClass.COUNT + c] > q[state * TrafficClass.COUNT + best])) {
                best = c;
            }
        }
        return best;
    }

    @Override
    public void chosen(int classIndex) {
        previous = state * TrafficClass.COUNT + classIndex;
    }

    /** The learned values of actions tried at least {@code minVisits} times; the rest unknown. */
    QTable export(int minVisits) {
        QTable table = new QTable();
        for (int s = 0; s < StateEncoder.STATES; s++) {
            for (int c = 0; c < TrafficClass.COUNT; c++) {
                int i = s * TrafficClass.COUNT + c;
                if (visits[i] >= minVisits) {
                    table.set(s, c, q[i]);
                }
            }
        }
        return table;
    }

    @Override
    public String name() {
        return "q-learner";
    }
}
