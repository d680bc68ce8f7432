package io.tidegate.intelligence.scheduling;

/**
 * What strict priority would have earned on the same arrivals with the same service: fed every
 * arrival of the real lanes, it serves one waiting message, the highest class first (oldest first
 * within it), each time the real lanes finish one, finishing it at the same instant. So the two
 * rewards come from the same arrivals, the same number of services at the same times (the real
 * server's batches and idle gaps included) and the same window; only the order differs, which is
 * what the watchdog judges. Ordering keys are not modelled: strict's own ride-along is left out.
 * Each class remembers at most a configured number of waiting arrivals; beyond that an arrival
 * counts as missed, so memory is bounded by configuration.
 *
 * <p>Threading: the drain thread only.
 */
final class StrictShadow {

    private final long[][] queue;
    private final int[] head = new int[TrafficClass.COUNT];
    private final int[] size = new int[TrafficClass.COUNT];
    private final long[] deadline = new long[TrafficClass.COUNT];
    private final double[] weight = new double[TrafficClass.COUNT];
    private double earned;

    StrictShadow(SchedulingConfig config) {
        queue = new long[TrafficClass.COUNT][config.shadowCapacity()];
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            deadline[c] = config.of(c).deadlineNanos();
            weight[c] = config.of(c).weight();
        }
    }

    void arrive(int c, long now) {
        long[] q = queue[c];
        if (size[c] == q.length) {
            return; // over the bound: it would have missed anyway in any realistic strict run
        }
        q[(head[c] + size[c]) % q.length] = now;
        size[c]++;
    }

    /**
     * The real lanes finished a message at {@code doneAt} after {@code serviceNanos}: strict serves
     * the highest class that had a message waiting when that service started (or, if none had, by
     * when it finished), finishing it at the same time.
     */
    void served(long doneAt, long serviceNanos) {
        int c = highestWaitingBy(doneAt - serviceNanos);
        if (c < 0) {
            c = highestWaitingBy(doneAt);
            if (c < 0) {
                return; // the shadow dropped arrivals over its bound: nothing to serve
            }
        }
        long arrival = queue[c][head[c]];
        head[c] = (head[c] + 1) % queue[c].length;
        size[c]--;
        if (doneAt - arrival <= deadline[c]) {
            earned += weight[c];
        }
    }

    /** The highest class with a message that had arrived by {@code start}, or -1. */
    private int highestWaitingBy(long start) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (size[c] > 0 && queue[c][head[c]] <= start) {
                return c;
            }
        }
        return -1;
    }

    /** Weighted deadlines met so far. */
    double earned() {
        return earned;
    }
}
