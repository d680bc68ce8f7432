package io.tidegate.gateway.priority;

import io.tidegate.intelligence.scheduling.TrafficClass;
import io.tidegate.proto.v1.Priority;

/**
 * The five priority levels as lane indexes (0 = CRITICAL ... 4 = BULK, the
 * {@link TrafficClass} order) and their names for metric labels. Stateless; any thread.
 */
public final class PriorityLevels {

    /** Number of levels (and lanes). */
    public static final int LEVELS = TrafficClass.COUNT;

    private static final Priority[] BY_LEVEL = {Priority.PRIORITY_CRITICAL, Priority.PRIORITY_HIGH,
            Priority.PRIORITY_NORMAL, Priority.PRIORITY_LOW, Priority.PRIORITY_BULK};

    private PriorityLevels() {
    }

    /**
     * The lane of a message priority: CRITICAL 0 ... BULK 4; unspecified counts as NORMAL, so
     * messages need not be rebuilt just to spell out the default.
     */
    public static int levelOf(Priority priority) {
        return priority == Priority.PRIORITY_UNSPECIFIED
                ? Priority.PRIORITY_NORMAL_VALUE - 1
                : priority.getNumber() - 1;
    }

    /** The priority of a lane. */
    public static Priority priorityOf(int level) {
        return BY_LEVEL[level];
    }

    /** The name of a lane's priority ("CRITICAL" ... "BULK"), e.g. for metric attributes. */
    public static String nameOf(int level) {
        return TrafficClass.of(level).name();
    }
}
