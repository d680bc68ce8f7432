package io.tidegate.intelligence.scheduling;

/**
 * What strict priority would have earned on the same arrivals with the same service. It is fed
 * every arrival of the real lanes and decides at the same instants as they do, one message of its
 * own per message they serve, judged at that message's completion. Two kinds of host:
 * <ul>
 * <li>one that takes messages into batches and serves them later, several batches in flight and
 * answered in any order (the gateway's ingress lanes): at each message it takes, the shadow takes
 * the one strict would have taken at that instant ({@link #take}) and returns it as a mark that
 * the host carries with its message to the completion ({@link #complete}). So the shadow's
 * batches are the lanes' batches (same instants, same sizes, completed at the same times, in the
 * same order), and a message that arrives after a batch was taken cannot be served in it, as it
 * cannot in the lanes. When the lanes set a drained message aside because another append holds
 * its ordering key, the shadow sets its own oldest message of that class aside ({@link #setAside})
 * and judges it when the lanes' one completes: strict would have waited for the key just the same;</li>
 * <li>one that serves a message at a time and reports only completions (the simulator, a stream's
 * outbound lanes): at each completion at <i>t</i> after service <i>s</i> the shadow serves the
 * highest class among the messages that had arrived by <i>t - s</i> ({@link #served}).</li>
 * </ul>
 * Strict is judged inside the same rails as the policy: CRITICAL first once the lower classes
 * have had their {@code critical-max-bypass} (taking hosts), and a class whose oldest message
 * reached its maximum wait ahead of strict's choice, as {@link SafetyRails} would force.
 * Each class remembers at most a configured number of waiting arrivals; beyond that an arrival
 * counts as missed, so memory is bounded by configuration.
 *
 * <p>Threading: the drain thread only.
 */
final class StrictShadow {

    /** How much earlier than the first arrival a later one may be stamped and still fit a mark (about 13 days). */
    private static final long MARK_SLACK = 1L << 50;
    private static final int CLASS_BITS = 3;
    private static final int CRITICAL = TrafficClass.CRITICAL.ordinal();

    private final long[][] queue;
    private final int[] head = new int[TrafficClass.COUNT];
    private final int[] size = new int[TrafficClass.COUNT];
    private final long[] deadline = new long[TrafficClass.COUNT];
    private final double[] weight = new double[TrafficClass.COUNT];
    private final long[] maxWait = new long[TrafficClass.COUNT];
    private final int capacity;
    private final int criticalMaxBypass;
    /** Lower-class messages taken while CRITICAL waited, as {@link SafetyRails} counts them. */
    private int bypassed;
    /** Arrival times in marks are offsets from this, so a mark packs the class into its low bits. */
    private long origin;
    private boolean originSet;
    private double earned;

    StrictShadow(SchedulingConfig config) {
        capacity = config.shadowCapacity();
        criticalMaxBypass = config.criticalMaxBypass();
        queue = new long[TrafficClass.COUNT][capacity];
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            deadline[c] = config.of(c).deadlineNanos();
            weight[c] = config.of(c).weight();
            maxWait[c] = config.of(c).maxWaitNanos();
        }
    }

    void arrive(int c, long now) {
        if (!originSet) {
            origin = now - MARK_SLACK;
            originSet = true;
        }
        long[] q = queue[c];
        if (size[c] == capacity) {
            return; // over the bound: it would have missed anyway in any realistic strict run
        }
        int tail = head[c] + size[c];
        q[tail >= capacity ? tail - capacity : tail] = now; // no '%': a division per message
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

    /**
     * The lanes took a message into a batch at {@code now}: strict takes the message it would
     * have taken then, inside the rails.
     *
     * @return that message as a mark for {@link #complete}, or {@link DispatchPolicy#NO_MARK} when
     *     the shadow has nothing waiting (it dropped arrivals over its bound)
     */
    long take(long now) {
        int c;
        if (size[CRITICAL] > 0 && bypassed >= criticalMaxBypass) {
            c = CRITICAL;
        } else {
            c = mostOverdueBy(now);
            if (c < 0) {
                c = highestWaiting();
            }
        }
        if (c < 0) {
            return DispatchPolicy.NO_MARK;
        }
        if (size[CRITICAL] == 0) {
            bypassed = 0;
        } else if (c != CRITICAL) {
            bypassed++;
        }
        return mark(c, pollOldest(c));
    }

    /**
     * The lanes set a drained message of class {@code c} aside for its ordering key: strict would
     * have drained its own oldest of that class and waited for the key the same way.
     *
     * @return that message as a mark for {@link #complete}, or {@link DispatchPolicy#NO_MARK} when
     *     the shadow has none of that class waiting (it already served it: strict was not held up)
     */
    long setAside(int c) {
        if (size[c] == 0) {
            return DispatchPolicy.NO_MARK;
        }
        return mark(c, pollOldest(c));
    }

    /** The lanes completed the message that {@code mark} was taken in place of, at {@code doneAt}. */
    void complete(long mark, long doneAt) {
        if (mark != DispatchPolicy.NO_MARK) {
            judge((int) (mark & ((1 << CLASS_BITS) - 1)), (mark >>> CLASS_BITS) + origin, doneAt);
        }
    }

    private long mark(int c, long arrival) {
        return ((arrival - origin) << CLASS_BITS) | c;
    }

    private int highestWaiting() {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (size[c] > 0) {
                return c;
            }
        }
        return -1;
    }

    private long pollOldest(int c) {
        long arrival = queue[c][head[c]];
        int next = head[c] + 1;
        head[c] = next == capacity ? 0 : next;
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
            long waited = start - queue[c][head[c]];
            // waited >= maxWait is exactly ratio >= 1 (times below 2^53 ns are exact doubles), and
            // lets the common case, nothing overdue, skip a division per class and message
            if (size[c] > 0 && waited >= maxWait[c]) {
                double ratio = (double) waited / maxWait[c];
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
