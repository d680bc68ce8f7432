package io.tidegate.gateway.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.tidegate.gateway.backend.redis.ReadGuard;
import io.tidegate.gateway.config.GatewayConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The {@link ReadGuard} the composition root gives the Redis backend: Resilience4j around its
 * reads (subscription read cycles, reclaims, acks), shared by every subscription of one backend:
 * <ul>
 *   <li>a {@link CircuitBreaker} over read cycles: while it is open no subscription touches the
 *       backend, they wait and probe again together once it lets calls through (state changes are
 *       logged by a {@link BreakerStateListener});</li>
 *   <li>a jittered exponential backoff between failed cycles of one subscription, from
 *       {@code resilience.retry.initial-backoff} growing by {@code multiplier} up to
 *       {@code resilience.breaker.open-wait}, so many subscriptions do not reconnect in lockstep;</li>
 *   <li>a {@link TimeLimiter} per cycle of {@code block-timeout + resilience.call-timeout}, after
 *       which the caller drops the read connection;</li>
 *   <li>a {@link Retry} (same backoff) for acks, so an ack sent during a short outage still lands
 *       instead of turning into a redelivery.</li>
 * </ul>
 * Reads never give up on an unreachable backend: they back off and recover by themselves.
 *
 * <p>Threading: thread-safe; never blocks.
 */
public final class BreakerReadGuard implements ReadGuard {

    private static final int ACK_ATTEMPTS = 8;

    private final CircuitBreaker breaker;
    private final IntervalFunction backoff;
    private final TimeLimiter cycleLimiter;
    private final Retry ackRetry;
    private final BreakerStateListener state;

    /**
     * @param backendName for breaker names and log lines
     * @param blockTimeout the longest a blocking read waits on the backend by design
     */
    public BreakerReadGuard(String backendName, GatewayConfig.Resilience config, Duration blockTimeout) {
        GatewayConfig.Breaker b = config.breaker();
        this.breaker = Breakers.of("backend-" + backendName + "-reads", b);
        GatewayConfig.Retry r = config.retry();
        long cap = Math.max(r.initialBackoff().toMillis(), b.openWait().toMillis());
        this.backoff = IntervalFunction.ofExponentialRandomBackoff(r.initialBackoff().toMillis(), r.multiplier(),
                Math.max(r.jitter(), 0.1), cap);
        this.cycleLimiter = TimeLimiter.of("backend-" + backendName + "-read-cycle", TimeLimiterConfig.custom()
                .timeoutDuration(blockTimeout.plus(config.callTimeout()))
                .cancelRunningFuture(false)
                .build());
        this.ackRetry = Retry.of("backend-" + backendName + "-acks", RetryConfig.custom()
                .maxAttempts(ACK_ATTEMPTS)
                .intervalFunction(backoff)
                .build());
        this.state = new BreakerStateListener("reads from the " + backendName + " backend",
                "subscriptions pause and probe again after open-wait");
        state.attach(breaker, () -> { });
    }

    /**
     * True when a read cycle may run now; the caller must then report its outcome with {@link
     * #onSuccess} or {@link #onFailure}.
     */
    @Override
    public boolean tryAcquire() {
        return breaker.tryAcquirePermission();
    }

    /** A permitted cycle ended well. */
    @Override
    public void onSuccess(long tookNanos) {
        breaker.onSuccess(tookNanos, TimeUnit.NANOSECONDS);
    }

    /** A permitted cycle failed. */
    @Override
    public void onFailure(long tookNanos, Throwable error) {
        breaker.onError(tookNanos, TimeUnit.NANOSECONDS, error);
    }

    /** A permitted cycle ended without telling anything about the backend (it was closed). */
    @Override
    public void release() {
        breaker.releasePermission();
    }

    /** How long to wait before the {@code failures}-th retry (1-based), jittered. */
    @Override
    public long backoffMillis(int failures) {
        return backoff.apply(Math.max(1, failures));
    }

    /**
     * Fails (with a {@link java.util.concurrent.TimeoutException}) once {@code cycle} has run
     * longer than a read may; the cycle itself is left running for the caller to end.
     */
    @Override
    public <T> CompletableFuture<T> timeLimited(ScheduledExecutorService timer, CompletableFuture<T> cycle) {
        return cycleLimiter.executeCompletionStage(timer, () -> cycle).toCompletableFuture();
    }

    /** Runs {@code ack} with retries and backoff until it succeeds or the attempts run out. */
    @Override
    public <T> CompletableFuture<T> retryAck(ScheduledExecutorService timer, Supplier<CompletionStage<T>> ack) {
        return ackRetry.executeCompletionStage(timer, ack).toCompletableFuture();
    }

    @Override
    public String breakerState() {
        return state.state().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The breaker's state and transition counts, for logs and tests. */
    public BreakerStateListener breakerStateListener() {
        return state;
    }
}
