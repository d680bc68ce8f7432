package io.tidegate.intelligence.scheduling;

/**
 * Guards the learned policy: sums the weighted deadlines it meets per window, and what a
 * {@link StrictShadow} fed the same arrivals and given the same service completions would have
 * met, counted at the same completions (so in the same window); when over the last {@code watchdogWindows}
 * windows the learned reward falls below the shadow's by more than the tolerance, switches to
 * strict priority for good, tells the {@link FallbackListener} (log line and metric) and reports
 * {@link #fallenBack()}. Sticky on purpose: a table that lost once is not trusted again until
 * the host restarts it.
 *
 * <p>Threading: the drain thread only; decisions allocate nothing.
 */
public final class RewardWatchdog implements DispatchPolicy {

    private final DispatchPolicy learned;
    private final StrictPriorityPolicy strict = new StrictPriorityPolicy();
    private final StrictShadow shadow;
    private final FallbackListener listener;
    private final double[] weight = new double[TrafficClass.COUNT];
    private final long windowNanos;
    private final int windowMessages;
    private int completedInWindow;
    private final double tolerance;
    private final double[] learnedWindows;
    private final double[] strictWindows;
    private int windowsSeen;
    private long windowEnd = Long.MIN_VALUE;
    private long windowStart;
    /** When each window in the ring started, so a fallback reports the span it compared. */
    private final long[] startedAt;
    private double learnedNow;
    private double learnedTotal;
    private double shadowAtWindowStart;
    private boolean fallenBack;

    public RewardWatchdog(DispatchPolicy learned, SchedulingConfig config, FallbackListener listener) {
        this.learned = learned;
        this.shadow = new StrictShadow(config);
        this.listener = listener;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            weight[c] = config.of(c).weight();
        }
        this.windowNanos = config.watchdogWindowNanos();
        this.windowMessages = config.watchdogWindowMessages();
        this.tolerance = config.watchdogTolerance();
        this.learnedWindows = new double[config.watchdogWindows()];
        this.strictWindows = new double[config.watchdogWindows()];
        this.startedAt = new long[config.watchdogWindows()];
    }

    @Override
    public int choose(LaneSnapshot lanes) {
        roll(lanes.now());
        return fallenBack ? strict.choose(lanes) : learned.choose(lanes);
    }

    @Override
    public boolean onTimeFirst() {
        return !fallenBack && learned.onTimeFirst();
    }

    @Override
    public void chosen(int classIndex) {
        learned.chosen(classIndex);
    }

    @Override
    public void arrived(int classIndex, long nowNanos) {
        roll(nowNanos);
        shadow.arrive(classIndex, nowNanos);
        learned.arrived(classIndex, nowNanos);
    }

    @Override
    public void completed(int classIndex, boolean met, long serviceNanos, long nowNanos) {
        shadow.served(nowNanos, serviceNanos);
        earn(classIndex, met);
        learned.completed(classIndex, met, serviceNanos, nowNanos);
    }

    @Override
    public long taken(int classIndex, long nowNanos) {
        learned.taken(classIndex, nowNanos);
        return shadow.take(nowNanos);
    }

    @Override
    public long setAside(int classIndex) {
        learned.setAside(classIndex);
        return shadow.setAside(classIndex);
    }

    @Override
    public void completed(int classIndex, boolean met, long serviceNanos, long nowNanos, long mark) {
        shadow.complete(mark, nowNanos);
        earn(classIndex, met);
        learned.completed(classIndex, met, serviceNanos, nowNanos, mark);
    }

    private void earn(int classIndex, boolean met) {
        completedInWindow++;
        if (met) {
            learnedNow += weight[classIndex];
            learnedTotal += weight[classIndex];
        }
    }

    private void roll(long now) {
        if (windowEnd == Long.MIN_VALUE) {
            windowEnd = now + windowNanos;
            windowStart = now;
            return;
        }
        // a window closes once it has lasted its time and holds its completions: on a backend slower
        // than the one the table was trained on, a burst and its recovery take longer in wall time,
        // and a window by time alone would judge the learned order in mid-burst, before it pays off
        while (now >= windowEnd && completedInWindow >= windowMessages) {
            completedInWindow = 0;
            int slot = windowsSeen % learnedWindows.length;
            learnedWindows[slot] = learnedNow;
            startedAt[slot] = windowStart;
            strictWindows[slot] = shadow.earned() - shadowAtWindowStart;
            shadowAtWindowStart = shadow.earned();
            learnedNow = 0;
            windowsSeen++;
            long closed = windowEnd;
            // by time alone, windows follow each other back to back; a window that waited for its
            // completions closes now, and the next one starts here
            long end = windowMessages == 0 ? closed : now;
            windowStart = end;
            windowEnd = end + windowNanos;
            check(end, startedAt[windowsSeen % learnedWindows.length]);
        }
    }

    /** @param oldestStart when the oldest window compared started */
    private void check(long at, long oldestStart) {
        if (fallenBack || windowsSeen < learnedWindows.length) {
            return;
        }
        double learnedSum = 0;
        double strictSum = 0;
        for (int i = 0; i < learnedWindows.length; i++) {
            learnedSum += learnedWindows[i];
            strictSum += strictWindows[i];
        }
        if (learnedSum < strictSum * (1 - tolerance)) {
            fallenBack = true;
            listener.onFallback(new FallbackEvent(at, learnedSum, strictSum, at - oldestStart));
        }
    }

    /** Weighted deadlines the guarded policy has met since it started (a metric, and what tests compare). */
    public double earned() {
        return learnedTotal;
    }

    /** Weighted deadlines the strict shadow has met since it started, counted at the same completions as {@link #earned()}. */
    public double shadowEarned() {
        return shadow.earned();
    }

    /** True once the learned policy has been replaced by strict priority (a metric gauge). */
    public boolean fallenBack() {
        return fallenBack;
    }

    @Override
    public String name() {
        return learned.name();
    }
}
