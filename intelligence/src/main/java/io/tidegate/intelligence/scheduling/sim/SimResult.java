package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.intelligence.scheduling.TrafficClass;
import java.util.Arrays;

/**
 * What one simulated run produced: per message when it started and finished dispatching, when
 * the decision that drained it was taken, whether it rode along with a later message of its key,
 * and the dispatch order; plus the summary the evaluation prints. Immutable after the run; any thread.
 */
public final class SimResult {

    public final Arrivals arrivals;
    public final long[] start;
    public final long[] done;
    public final long[] decidedAt;
    public final boolean[] promoted;
    /** Message indices in dispatch order. */
    public final int[] order;
    private final SchedulingConfig config;
    /** Whether the watchdog switched the learned policy to strict during the run. */
    public boolean fellBack;

    SimResult(Arrivals arrivals, SchedulingConfig config) {
        this.arrivals = arrivals;
        this.config = config;
        start = new long[arrivals.size];
        done = new long[arrivals.size];
        decidedAt = new long[arrivals.size];
        promoted = new boolean[arrivals.size];
        order = new int[arrivals.size];
    }

    /** Whether message i finished within its class's deadline. */
    public boolean met(int i) {
        return done[i] - arrivals.time[i] <= config.of(arrivals.classIndex[i]).deadlineNanos();
    }

    /** Deadline misses per class. */
    public int[] missesPerClass() {
        int[] m = new int[TrafficClass.COUNT];
        for (int i = 0; i < arrivals.size; i++) {
            if (!met(i)) {
                m[arrivals.classIndex[i]]++;
            }
        }
        return m;
    }

    /** Sum over missed messages of their class weight. */
    public double weightedMisses() {
        int[] m = missesPerClass();
        double w = 0;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            w += m[c] * config.of(c).weight();
        }
        return w;
    }

    /** The q-quantile (0..1) of enqueue-to-dispatched time of a class, in nanoseconds; 0 when none. */
    public long latencyQuantile(int classIndex, double q) {
        long[] l = latencies(classIndex);
        if (l.length == 0) {
            return 0;
        }
        Arrays.sort(l);
        int rank = (int) Math.ceil(q * l.length) - 1; // nearest-rank definition
        return l[Math.max(0, Math.min(l.length - 1, rank))];
    }

    /** Longest enqueue-to-start wait of a class, in nanoseconds. */
    public long maxWait(int classIndex) {
        long max = 0;
        for (int i = 0; i < arrivals.size; i++) {
            if (arrivals.classIndex[i] == classIndex) {
                max = Math.max(max, start[i] - arrivals.time[i]);
            }
        }
        return max;
    }

    private long[] latencies(int classIndex) {
        int n = 0;
        for (int c : arrivals.classIndex) {
            if (c == classIndex) {
                n++;
            }
        }
        long[] l = new long[n];
        int j = 0;
        for (int i = 0; i < arrivals.size; i++) {
            if (arrivals.classIndex[i] == classIndex) {
                l[j++] = done[i] - arrivals.time[i];
            }
        }
        return l;
    }
}
