package io.tidegate.intelligence.scheduling;

/** {@code fifo}: the lane whose head waited longest, whatever its class. Stateless; one drain thread. */
public final class FifoPolicy implements DispatchPolicy {

    @Override
    public int choose(LaneSnapshot lanes) {
        int best = NONE;
        long bestWait = -1;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (!lanes.isEmpty(c) && lanes.oldestWait(c) > bestWait) {
                best = c;
                bestWait = lanes.oldestWait(c);
            }
        }
        return best;
    }

    @Override
    public String name() {
        return "fifo";
    }
}
