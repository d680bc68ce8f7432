package io.tidegate.intelligence.scheduling;

/**
 * A compact, reusable view of the lanes at one decision: per class the depth, the oldest
 * enqueue time and how many ordering keys are on time and late, plus the backend latency EWMA and regime flags. The caller fills the same
 * instance before every decision, so deciding allocates nothing.
 *
 * <p>Threading: owned by the one thread that drains the lanes; not thread-safe.
 */
public final class LaneSnapshot {

    /** Regime flag: some waiting message is for an instrument in a volatile regime. */
    public static final int VOLATILE = 1;
    /** Regime flag: some waiting message is for an instrument in an illiquid regime. */
    public static final int ILLIQUID = 2;

    private final int[] depth = new int[TrafficClass.COUNT];
    private final long[] oldestEnqueueNanos = new long[TrafficClass.COUNT];
    private final int[] onTimeKeys = new int[TrafficClass.COUNT];
    private final int[] lateKeys = new int[TrafficClass.COUNT];
    private long nowNanos;
    private long backendLatencyNanos;
    private int regimeFlags;

    /** Sets the clock (same time base as the enqueue times), backend latency EWMA and regime flags. */
    public LaneSnapshot at(long now, long backendLatency, int flags) {
        this.nowNanos = now;
        this.backendLatencyNanos = backendLatency;
        this.regimeFlags = flags;
        return this;
    }

    /** Sets one lane: its depth and the enqueue time of its head (ignored when empty). */
    public LaneSnapshot lane(int classIndex, int depthNow, long oldestEnqueue) {
        depth[classIndex] = depthNow;
        oldestEnqueueNanos[classIndex] = oldestEnqueue;
        return this;
    }

    /**
     * Sets how many ordering keys of a class have a head that can still meet its deadline and
     * how many have one that cannot (see {@link KeyOrderedLanes}); both 0 when not known.
     */
    public LaneSnapshot keys(int classIndex, int onTime, int late) {
        onTimeKeys[classIndex] = onTime;
        lateKeys[classIndex] = late;
        return this;
    }

    /** Keys of a class whose head can still meet its deadline. */
    public int onTimeKeys(int classIndex) {
        return onTimeKeys[classIndex];
    }

    /** Keys of a class whose head can no longer meet its deadline. */
    public int lateKeys(int classIndex) {
        return lateKeys[classIndex];
    }

    public long now() {
        return nowNanos;
    }

    public long backendLatencyNanos() {
        return backendLatencyNanos;
    }

    public int regimeFlags() {
        return regimeFlags;
    }

    public int depth(int classIndex) {
        return depth[classIndex];
    }

    /** How long the head of a lane has waited; 0 when the lane is empty. */
    public long oldestWait(int classIndex) {
        return depth[classIndex] == 0 ? 0 : nowNanos - oldestEnqueueNanos[classIndex];
    }

    public boolean isEmpty(int classIndex) {
        return depth[classIndex] == 0;
    }

    /** True when no lane holds a message. */
    public boolean allEmpty() {
        for (int d : depth) {
            if (d != 0) {
                return false;
            }
        }
        return true;
    }
}
