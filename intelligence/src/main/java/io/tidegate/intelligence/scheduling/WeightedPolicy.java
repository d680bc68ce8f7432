package io.tidegate.intelligence.scheduling;

/**
 * {@code weighted}: smooth weighted round robin over the non-empty classes, so each backed-up
 * class gets a share of dispatches in proportion to its weight and none is shut out. Keeps one
 * credit per class; one drain thread.
 */
public final class WeightedPolicy implements DispatchPolicy {

    private final double[] weight = new double[TrafficClass.COUNT];
    private final double[] credit = new double[TrafficClass.COUNT];
    private double roundWeight;

    public WeightedPolicy(SchedulingConfig config) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            // a zero weight would never be picked until the rails force it; keep a sliver
            weight[c] = Math.max(config.of(c).weight(), 1e-3);
        }
    }

    @Override
    public int choose(LaneSnapshot lanes) {
        int best = NONE;
        roundWeight = 0;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (lanes.isEmpty(c)) {
                credit[c] = 0; // an idle class saves up no credit
                continue;
            }
            credit[c] += weight[c];
            roundWeight += weight[c];
            if (best == NONE || credit[c] > credit[best]) {
                best = c;
            }
        }
        return best;
    }

    @Override
    public void chosen(int classIndex) {
        // charge the class actually drained, so a rail override does not skew the shares
        credit[classIndex] -= Math.max(roundWeight, weight[classIndex]);
    }

    @Override
    public String name() {
        return "weighted";
    }
}
