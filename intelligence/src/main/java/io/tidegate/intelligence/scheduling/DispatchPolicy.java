package io.tidegate.intelligence.scheduling;

/**
 * Decides which priority lane to drain next when the lanes are backed up. The gateway's drain
 * loop fills a {@link LaneSnapshot}, calls {@link #choose}, drains up to {@link #batchLimit}
 * messages of that class and reports each arrival and each completion back, so policies that
 * learn or watch can do so off the decision itself.
 *
 * <p>Threading: one instance per set of lanes, called only by the thread that drains them.
 * Decisions allocate nothing.
 */
public interface DispatchPolicy {

    /** Returned by {@link #choose} when every lane is empty. */
    int NONE = -1;

    /** The class index to drain next; a non-empty lane, or {@link #NONE} when all are empty. */
    int choose(LaneSnapshot lanes);

    /** Most messages of the chosen class to drain for this decision. */
    default int batchLimit(int classIndex) {
        return 1;
    }

    /**
     * How the lanes pick within the class of the last {@link #choose}: false (the default, and
     * what every static policy does) drains the class's oldest message first; true drains the
     * ordering keys whose head can still meet its deadline first (see {@link KeyOrderedLanes}).
     * Order within a key is kept either way.
     */
    default boolean onTimeFirst() {
        return false;
    }

    /** The class actually drained for the last decision (safety rails may override {@link #choose}). */
    default void chosen(int classIndex) {
    }

    /** A message of the class was enqueued at the given time. */
    default void arrived(int classIndex, long nowNanos) {
    }

    /**
     * A message of the class finished dispatching at {@code nowNanos} (the time its deadline is
     * judged at): whether it met its deadline, and its service time.
     */
    default void completed(int classIndex, boolean met, long serviceNanos, long nowNanos) {
    }

    /**
     * A message of the class that the last decision drained was set aside because an append in
     * flight holds its ordering key: it waits for its key, not for a decision, under any policy,
     * and comes back through {@link #completedInKeyOrder}.
     */
    default void setAside(int classIndex) {
    }

    /**
     * As {@link #completed}, for a message that had been {@linkplain #setAside set aside} and was
     * taken in its key's order rather than by a decision.
     */
    default void completedInKeyOrder(int classIndex, boolean met, long serviceNanos, long nowNanos) {
        completed(classIndex, met, serviceNanos, nowNanos);
    }

    /** The name reported in metrics and evaluation tables. */
    String name();
}
