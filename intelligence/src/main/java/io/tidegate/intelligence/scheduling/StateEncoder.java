package io.tidegate.intelligence.scheduling;

/**
 * Turns a {@link LaneSnapshot} into one small integer, the row of the Q-table. Per class one of
 * six levels from its slack and how many of its ordering keys are already late: empty; relaxed
 * (nothing late, and the head's wait plus the time to drain the whole class at the current
 * backend latency is under half the deadline); tight (nothing late, half or more); some late
 * (the head cannot meet its deadline even if served now, or some key's head cannot) with at least
 * as many keys on time as late; mostly late (fewer keys on time than late, but some); all late.
 * Then three backend latency buckets and the volatile regime flag (some waiting message is for
 * an instrument in a volatile regime). Immutable; any thread.
 */
public final class StateEncoder {

    static final int LEVELS = 6;
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
            return onTime == 0 ? 5 : onTime < late ? 4 : 3;
        }
        double used = wait + (double) depth * latency;
        return 2 * used >= deadline[c] ? 2 : 1;
    }

    private static int pow(int base, int exp) {
        int r = 1;
        for (int i = 0; i < exp; i++) {
            r *= base;
        }
        return r;
    }
}
