package io.tidegate.intelligence.scheduling;

/**
 * {@code learned}: encodes the snapshot into a state and drains the class with the highest value
 * in a Q-table trained in simulation; a state the table does not know is decided as strict
 * priority would. One encode and five array reads per decision, no allocation. The table is
 * frozen at run time; {@link RewardWatchdog} guards it. One drain thread.
 */
public final class LearnedPolicy implements DispatchPolicy {

    private final QTable table;
    private final StateEncoder encoder;

    public LearnedPolicy(QTable table, StateEncoder encoder) {
        this.table = table;
        this.encoder = encoder;
    }

    @Override
    public int choose(LaneSnapshot lanes) {
        int c = table.best(encoder.encode(lanes), lanes);
        return c != NONE ? c : StrictPriorityPolicy.highestNonEmpty(lanes);
    }

    @Override
    public String name() {
        return "learned";
    }
}
