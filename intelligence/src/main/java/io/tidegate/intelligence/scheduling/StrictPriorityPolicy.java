package io.tidegate.intelligence.scheduling;

/** {@code strict}: the highest non-empty class first. Stateless; one drain thread. */
public final class StrictPriorityPolicy implements DispatchPolicy {

    @Override
    public int choose(LaneSnapshot lanes) {
        return highestNonEmpty(lanes);
    }

    /** The highest non-empty class, or {@link #NONE}. */
    static int highestNonEmpty(LaneSnapshot lanes) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (!lanes.isEmpty(c)) {
                return c;
            }
        }
        return NONE;
    }

    @Override
    public String name() {
        return "strict";
    }
}
