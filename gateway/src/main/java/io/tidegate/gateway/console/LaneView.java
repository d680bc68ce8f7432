package io.tidegate.gateway.console;

import java.util.List;

/** The ingress priority lanes and the dispatch workers, as of now; any thread. */
public interface LaneView {

    /** One row per priority, CRITICAL first. */
    List<Lane> lanes();

    /** Dispatch worker threads alive. */
    int workers();

    /** Workers with a backend append in flight. */
    int busyWorkers();

    /**
     * One priority lane.
     *
     * @param depth             messages waiting now
     * @param dispatched        messages taken off the lane since start
     * @param delayNanosTotal   their summed queueing delay since start
     * @param oldestWaitNanos   how long the first waiting message has waited
     */
    record Lane(String priority, long depth, long dispatched, long delayNanosTotal, long oldestWaitNanos) {
    }
}
