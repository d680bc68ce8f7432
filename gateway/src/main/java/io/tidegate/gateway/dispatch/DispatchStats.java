package io.tidegate.gateway.dispatch;

import io.tidegate.proto.v1.Priority;

/**
 * Read-only view of the ingress dispatch queues and worker pool, for metrics gauges and the admin
 * page. Priorities are CRITICAL, HIGH, NORMAL, LOW, BULK; PRIORITY_UNSPECIFIED reads as NORMAL.
 *
 * <p>Threading: every method is safe to call from any thread at any time and never blocks for
 * long; values are a moment's snapshot, not consistent with each other.
 */
public interface DispatchStats {

    /** Worker threads alive now (between the configured min and max). */
    int workers();

    /** Workers with a backend append in flight now. */
    int busyWorkers();

    /** Messages waiting at this priority now (including those held back behind their key). */
    int queueDepth(Priority priority);

    /** Messages of this priority taken off the queues since start (monotonic). */
    long dispatched(Priority priority);

    /**
     * Sum of the queueing delays (offer to take by a worker) of those messages, in nanoseconds
     * (monotonic); with {@link #dispatched} it gives the mean delay over any interval.
     */
    long queueingDelayNanosTotal(Priority priority);

    /**
     * How long the first message in this priority's lane has waited for a worker, in
     * nanoseconds; 0 if the lane is empty. Messages held back behind an in-flight message of
     * their key wait for that key, not for a worker, and are not counted here.
     */
    long oldestWaitNanos(Priority priority);
}
