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

    /** A mark of no message: handed back for a message the policy gave no mark. */
    long NO_MARK = -1;

    /**
     * A host that takes messages into a batch and serves the batch later (the gateway's ingress:
     * several workers, each with an append in flight, answered in any order) reports each message
     * as it takes it, at the time of the decision that took it, and hands the returned mark back
     * with that message's completion ({@link #completed(int, boolean, long, long, long)}). So a
     * policy that replays what another policy would have done (the watchdog's strict shadow)
     * decides at the same instants as the host and judges each of its own decisions at the
     * completion of the message taken in its place. A host that serves one message at a time and
     * decides as it starts it may report only {@link #completed(int, boolean, long, long)}.
     *
     * @return a mark to hand back with the completion, or {@link #NO_MARK}
     */
    default long taken(int classIndex, long nowNanos) {
        return NO_MARK;
    }

    /**
     * A message of the class that the last decision drained was set aside because an append in
     * flight holds its ordering key: it waits for its key, not for a decision, under any policy.
     * When the host takes it later it does not report it {@linkplain #taken taken} again if this
     * returned a mark, and hands this mark back with its completion.
     *
     * @return a mark to hand back with the completion, or {@link #NO_MARK} (then report it taken when taken)
     */
    default long setAside(int classIndex) {
        return NO_MARK;
    }

    /**
     * As {@link #completed(int, boolean, long, long)}, for a message reported {@linkplain #taken
     * taken} or {@linkplain #setAside set aside}, with the mark that returned.
     */
    default void completed(int classIndex, boolean met, long serviceNanos, long nowNanos, long mark) {
        completed(classIndex, met, serviceNanos, nowNanos);
    }

    /** The name reported in metrics and evaluation tables. */
    String name();
}
