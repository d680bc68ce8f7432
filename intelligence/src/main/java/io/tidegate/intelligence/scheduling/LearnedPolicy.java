package io.tidegate.intelligence.scheduling;

/**
 * {@code learned}: encodes the snapshot into a state and takes the action with the highest value
 * in a Q-table trained in simulation: which class to drain and whether on-time keys go first
 * within it; a state the table does not know is decided as strict priority would (oldest first).
 * One encode and ten array reads per decision, no allocation. The table is
 * frozen at run time; {@link RewardWatchdog} guards it. One drain thread.
 */
public final class LearnedPolicy implements DispatchPolicy {

    private final QTable table;
    private final StateEncoder encoder;
    private boolean onTimeFirst;

    public LearnedPolicy(QTable table, StateEncoder encoder) {
        this.table = table;
        this.encoder = encoder;
    }

    @Override
    public int choose(LaneSnapshot lanes) {
        int action = table.best(encoder.encode(lanes), lanes);
        if (action == NONE) {
            onTimeFirst = false;
            return StrictPriorityPolicy.highestNonEmpty(lanes);
        }
        onTimeFirst = QTable.onTimeFirst(action);
        return QTable.classOf(action);
    }

    @Override
    public boolean onTimeFirst() {
        return onTimeFirst;
    }

    @Override
    public String name() {
        return "learned";
    }
}
