package io.tidegate.gateway.resilience;

/**
 * A snapshot of what the resilience layer did since start, for logs, readiness and metrics.
 *
 * @param breakerState      current circuit breaker state (CLOSED, OPEN, HALF_OPEN, ...)
 * @param breakerOpened     how often the breaker opened
 * @param spooledMessages   publishes acknowledged from the disk spool
 * @param replayedMessages  spooled messages appended to the backend since
 * @param refusedMessages   publishes refused with RESOURCE_EXHAUSTED because the spool was full
 * @param retriedBatches    batches that failed a direct append and went through the ordered retry
 * @param reorderedBatches  batches that reached the backend while an earlier batch of one of their
 *                          ordering keys was still being retried (only for a caller with two batches
 *                          of one key out at once, which the ingress dispatcher never has)
 * @param spoolPending      messages in the spool waiting for replay
 * @param spoolBytes        bytes the spool occupies on disk
 */
public record ResilienceStats(String breakerState, long breakerOpened, long spooledMessages, long replayedMessages,
                              long refusedMessages, long retriedBatches, long reorderedBatches,
                              long spoolPending, long spoolBytes) {
}
