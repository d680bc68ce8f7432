package io.tidegate.intelligence.scheduling;

/**
 * What strict priority would have earned on the same arrivals with the same service: fed every
 * arrival of the real lanes, it serves one waiting message, the highest class first (oldest first
 * within it), each time the real lanes finish one, finishing it at the same instant. So the two
 * rewards come from the same arrivals, the same number of services at the same times (the real
 * server's batches and idle gaps included) and the same window; only the order differs, which is
 * what the watchdog judges. Ordering keys are followed as the real lanes report them: when they
 * set a drained message aside because another append holds its key, the shadow sets its own oldest
 * message of that class aside too (it would have drained that one), and serves it when the real
 * lanes take theirs in key order; strict would have waited for the key just the same.
 * Each class remembers at most a configured number of waiting arrivals (and as many set aside,
 * allocated the first time a key holds one); beyond that an arrival counts as missed, so memory is
 * bounded by configuration. Strict is judged inside the same rails as the policy: a class whose
 * oldest message reached its maximum wait is served first, as {@link SafetyRails} would force.
 *
 * <p>Threading: the drain thread only.
 */
final class StrictShadow {

    private final long[][] queue;
    private final int[] head = new int[TrafficClass.COUNT];
    private final int[] size = new int[TrafficClass.COUNT];
    private final long[] deadline = new long[TrafficClass.COUNT];
    private final double[] weight = new double[TrafficClass.COUNT];
    private final long[] maxWait = new long[TrafficClass.COUNT];
    private final int capacity;
    private long[][] aside;
    private final int[] asideHead = new int[TrafficClass.COUNT];
    private final int[] asideSize = new int[TrafficClass.COUNT];
    private double earned;

    StrictShadow(SchedulingConfig config) {
        capacity = config.shadowCapacity();
        queue = new long[TrafficClass.COUNT][capacity];
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            deadline[c] = config.of(c).deadlineNanos();
            weight[c] = config.of(c).weight();
            maxWait[c] = config.of(c).maxWaitNanos();
        }
    }

    void arrive(int c, long now) {
        long[] q = queue[c];
        if (size[c] == capacity) {
            return; // over the bound: it would have missed anyway in any realistic strict run
        }
        q[(head[c] + size[c]) % capacity] = now;
        size[c]++;
    }

    /**
     * The real lanes finished a message at {@code doneAt} after {@code serviceNanos}: strict serves
     * the highest class that had a message waiting when that service started (or, if none had, by
     * when it finished), finishing it at the same time.
     */
    void served(long doneAt, long serviceNanos) {
        long start = doneAt - serviceNanos;
        int c = mostOverdueBy(start);
        if (c < 0) {
            c = highestWaitingBy(start);
        }
        if (c < 0) {
            c = highestWaitingBy(doneAt);
            if (c < 0) {
                return; // the shadow dropped arrivals over its bound: nothing to serve
            }
        }
        judge(c, pollOldest(c), doneAt);
    }

    /** The real lanes set a drained message of class {@code c} aside for its ordering key. */
    void setAside(int c) {
        if (size[c] == 0) {
            return; // the shadow already served it: strict was not held up by this key
        }
        if (aside == null) {
            aside = new long[TrafficClass.COUNT][capacity];
        }
        if (asideSize[c] == capacity) {
            return;
        }
        aside[c][(asideHead[c] + asideSize[c]) % capacity] = pollOldest(c);
        asideSize[c]++;
    }

    /**
     * The real lanes finished a message of class {@code c} that had been set aside, taken in its
     * key's order: strict serves its own set-aside message of that class, or decides as usual if
     * it has none.
     */
    void servedInKeyOrder(int c, long doneAt, long serviceNanos) {
        if (asideSize[c] == 0) {
            served(doneAt, serviceNanos);
            return;
        }
        long arrival = aside[c][asideHead[c]];
        asideHead[c] = (asideHead[c] + 1) % capacity;
        asideSize[c]--;
        judge(c, arrival, doneAt);
    }

    private long pollOldest(int c) {
        long arrival = queue[c][head[c]];
        head[c] = (head[c] + 1) % capacity;
        size[c]--;
        return arrival;
    }

    private void judge(int c, long arrival, long doneAt) {
        if (doneAt - arrival <= deadline[c]) {
            earned += weight[c];
        }
    }

    /**
     * The class whose oldest message had waited longest past its maximum wait by {@code start}, or
     * -1: the safety rails serve it next under any policy, so strict would have too.
     */
    private int mostOverdueBy(long start) {
        int worst = -1;
        double worstRatio = 1.0;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (size[c] > 0) {
                double ratio = (double) (start - queue[c][head[c]]) / maxWait[c];
                if (ratio >= worstRatio) {
                    worst = c;
                    worstRatio = ratio;
                }
            }
        }
        return worst;
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
