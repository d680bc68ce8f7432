package io.tidegate.intelligence.scheduling;

/**
 * Turns a {@link LaneSnapshot} into one small integer, the row of the Q-table. Per class one of
 * four levels from how many of its ordering keys are already late: empty; on time (nothing
 * late); some late (the head cannot meet its deadline even if served now, or some key's head
 * cannot) with at least as many keys on time as late; mostly late (more keys late than on time).
 * Then three backend latency buckets and the volatile regime flag (some waiting message is for
 * an instrument in a volatile regime). Immutable; any thread.
 */
public final class StateEncoder {

    /** Levels per class. */
    public static final int LEVELS = 4;
    static final int LATENCY_BUCKETS = 3;
    /** Number of distinct states. */
    public static final int STATES = pow(LEVELS, TrafficClass.COUNT) * LATENCY_BUCKETS * 2;

    private final long[] deadline = new long[TrafficClass.COUNT];
    private final long latencyLow;
    private final long latencyHigh;

    /**
     * @param latencyLowNanos backend latency below which the backend counts as fast
     * @param latencyHighNanos backend latency from which it counts as slow
     */
    public StateEncoder(SchedulingConfig config, long latencyLowNanos, long latencyHighNanos) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            deadline[c] = config.of(c).deadlineNanos();
        }
        this.latencyLow = latencyLowNanos;
        this.latencyHigh = latencyHighNanos;
    }

    /** The state of a snapshot, in [0, {@link #STATES}). */
    public int encode(LaneSnapshot s) {
        long latency = s.backendLatencyNanos();
        int state = 0;
        for (int c = TrafficClass.COUNT - 1; c >= 0; c--) {
            state = state * LEVELS + level(s, c, latency);
        }
        int latencyBucket = latency < latencyLow ? 0 : latency < latencyHigh ? 1 : 2;
        return (state * LATENCY_BUCKETS + latencyBucket) * 2 + ((s.regimeFlags() & LaneSnapshot.VOLATILE) != 0 ? 1 : 0);
    }

    /** The level of one class within a state, for tests and diagnostics. */
    public static int levelOf(int state, int classIndex) {
        int rest = state / (2 * LATENCY_BUCKETS);
        for (int c = 0; c < classIndex; c++) {
            rest /= LEVELS;
        }
        return rest % LEVELS;
    }

    private int level(LaneSnapshot s, int c, long latency) {
        int depth = s.depth(c);
        if (depth == 0) {
            return 0;
        }
        long wait = s.oldestWait(c);
        int onTime = s.onTimeKeys(c);
        int late = s.lateKeys(c);
        if (wait + latency > deadline[c] || late > 0) {
            return onTime < late ? 3 : 2;
        }
        return 1;
    }

    private static int pow(int base, int exp) {
        int r = 1;
        for (int i = 0; i < exp; i++) {
            r *= base;
        }
        return r;
    }
}
