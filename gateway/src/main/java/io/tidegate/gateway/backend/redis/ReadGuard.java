package io.tidegate.gateway.backend.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * What guards the reads of one Redis backend (subscription read cycles, reclaims, acks), shared
 * by all its subscriptions: whether a cycle may run now, the backoff after failed cycles, the
 * longest a cycle may take and the retries of an ack. Reads never give up on an unreachable
 * backend: they back off and recover by themselves. Supplied from outside the backend (the
 * composition root stacks a circuit breaker here), so the backend knows no resilience library.
 *
 * <p>Threading: implementations are thread-safe and never block.
 */
public interface ReadGuard {

    /**
     * True when a read cycle may run now; the caller must then report its outcome with {@link
     * #onSuccess}, {@link #onFailure} or {@link #release}.
     */
    boolean tryAcquire();

    /** A permitted cycle ended well. */
    void onSuccess(long tookNanos);

    /** A permitted cycle failed. */
    void onFailure(long tookNanos, Throwable error);

    /** A permitted cycle ended without telling anything about the backend (it was closed). */
    void release();

    /** How long to wait before the {@code failures}-th retry (1-based). */
    long backoffMillis(int failures);

    /**
     * Fails (with a {@link java.util.concurrent.TimeoutException}) once {@code cycle} has run
     * longer than a read may; the cycle itself is left running for the caller to end.
     */
    <T> CompletableFuture<T> timeLimited(ScheduledExecutorService timer, CompletableFuture<T> cycle);

    /** Runs {@code ack} with retries and backoff until it succeeds or the attempts run out. */
    <T> CompletableFuture<T> retryAck(ScheduledExecutorService timer, Supplier<CompletionStage<T>> ack);

    /**
     * The current state of the breaker over reads in lower case ({@code closed}, {@code open},
     * ...), for metrics; null when no breaker guards the reads.
     */
    String breakerState();
}
