package io.tidegate.intelligence.scheduling;

/**
 * Wraps any policy with the rails that hold whatever it chooses: (1) while a CRITICAL message
 * waits, at most {@link SchedulingConfig#criticalMaxBypass()} lower-class messages are drained
 * before CRITICAL is served; (2) a class whose head has waited its {@link ClassSettings#maxWaitNanos()}
 * is served next (the most overdue first, after rule 1). Order within an ordering key is kept by the
 * lanes themselves ({@link KeyOrderedLanes}), not here. A choice of an empty lane is replaced by
 * strict priority. The policy's {@linkplain DispatchPolicy#onTimeFirst() order within the class}
 * is kept only when its choice stands, is not CRITICAL and is not at its maximum wait; otherwise the class drains oldest first.
 *
 * <p>Threading: one drain thread, like the policy it wraps.
 */
public final class SafetyRails implements DispatchPolicy {

    private final DispatchPolicy inner;
    private final long[] maxWait = new long[TrafficClass.COUNT];
    private final int[] batch = new int[TrafficClass.COUNT];
    private final int criticalMaxBypass;
    private int bypassed;
    private int lastLimit = 1;
    private boolean lastBypasses;
    private boolean lastOnTimeFirst;
    private long forcedCritical;
    private long forcedStarving;

    public SafetyRails(DispatchPolicy inner, SchedulingConfig config) {
        this.inner = inner;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            maxWait[c] = config.of(c).maxWaitNanos();
            batch[c] = config.of(c).batch();
        }
        this.criticalMaxBypass = config.criticalMaxBypass();
    }

    @Override
    public int choose(LaneSnapshot lanes) {
        int wanted = inner.choose(lanes);
        int choice = railed(lanes, wanted);
        int critical = TrafficClass.CRITICAL.ordinal();
        if (choice == NONE) {
            return NONE;
        }
        if (lanes.isEmpty(critical)) {
            bypassed = 0; // the bound counts from the moment a CRITICAL message is waiting
        }
        int limit = Math.min(batch[choice], lanes.depth(choice));
        lastBypasses = choice != critical && !lanes.isEmpty(critical);
        if (lastBypasses) {
            limit = Math.min(limit, criticalMaxBypass - bypassed);
            bypassed += limit;
        }
        lastLimit = limit;
        // an override drains oldest first: the starvation bound is about the oldest message, and
        // CRITICAL is always served oldest first so its tail latency is strict's
        lastOnTimeFirst = choice == wanted && choice != critical && lanes.oldestWait(choice) < maxWait[choice]
                && inner.onTimeFirst();
        inner.chosen(choice);
        return choice;
    }

    private int railed(LaneSnapshot lanes, int wanted) {
        int critical = TrafficClass.CRITICAL.ordinal();
        if (!lanes.isEmpty(critical) && bypassed >= criticalMaxBypass) {
            if (wanted != critical) {
                forcedCritical++;
            }
            return critical;
        }
        int overdue = mostOverdue(lanes);
        if (overdue != NONE && overdue != wanted) {
            forcedStarving++;
            return overdue;
        }
        if (wanted == NONE || lanes.isEmpty(wanted)) {
            return StrictPriorityPolicy.highestNonEmpty(lanes);
        }
        return wanted;
    }

    private int mostOverdue(LaneSnapshot lanes) {
        int worst = NONE;
        double worstRatio = 1.0;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            long waited = lanes.oldestWait(c);
            // waited >= maxWait is exactly ratio >= 1 (times below 2^53 ns are exact doubles): the
            // common case, nothing overdue, costs no division per class and decision
            if (lanes.isEmpty(c) || waited < maxWait[c]) {
                continue;
            }
            double ratio = (double) waited / maxWait[c];
            if (ratio >= worstRatio) {
                worst = c;
                worstRatio = ratio;
            }
        }
        return worst;
    }

    @Override
    public int batchLimit(int classIndex) {
        return lastLimit;
    }

    /**
     * Whether the last choice passes a waiting CRITICAL message: its {@link #batchLimit} is then
     * counted against {@code critical-max-bypass}, so a caller must not take more than it (a
     * caller's own least batch per decision applies only when this is false).
     */
    public boolean choiceBypassesCritical() {
        return lastBypasses;
    }

    @Override
    public boolean onTimeFirst() {
        return lastOnTimeFirst;
    }

    @Override
    public void arrived(int classIndex, long nowNanos) {
        inner.arrived(classIndex, nowNanos);
    }

    @Override
    public void completed(int classIndex, boolean met, long serviceNanos, long nowNanos) {
        inner.completed(classIndex, met, serviceNanos, nowNanos);
    }

    @Override
    public long taken(int classIndex, long nowNanos) {
        return inner.taken(classIndex, nowNanos);
    }

    @Override
    public long setAside(int classIndex) {
        return inner.setAside(classIndex);
    }

    @Override
    public void completed(int classIndex, boolean met, long serviceNanos, long nowNanos, long mark) {
        inner.completed(classIndex, met, serviceNanos, nowNanos, mark);
    }

    /** Decisions where a waiting CRITICAL message overrode the policy (a metric). */
    public long forcedCritical() {
        return forcedCritical;
    }

    /** Decisions where a class at its maximum wait overrode the policy (a metric). */
    public long forcedStarving() {
        return forcedStarving;
    }

    /** The wrapped policy. */
    public DispatchPolicy inner() {
        return inner;
    }

    @Override
    public String name() {
        return inner.name();
    }
}
