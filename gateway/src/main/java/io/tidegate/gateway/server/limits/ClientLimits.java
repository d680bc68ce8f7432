package io.tidegate.gateway.server.limits;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.tidegate.gateway.config.GatewayConfig;
import java.time.Duration;

/**
 * Builds the {@link StreamLimiter} of each client stream from {@code resilience.client-limits}:
 * the limits of the client's name, else the defaults. Every stream gets its own RateLimiter and
 * Bulkhead; the unary Publish call shares one under the name {@value #UNARY}. Thread-safe.
 */
public final class ClientLimits {

    /** The client name the unary Publish call is limited under. */
    public static final String UNARY = "unary";

    private final GatewayConfig.ClientLimits config;
    private final StreamLimiter unary;
    /** Bounded by configuration: only identities with limits of their own get an entry. */
    private final java.util.Map<String, StreamLimiter> unaryByIdentity = new java.util.concurrent.ConcurrentHashMap<>();

    public ClientLimits(GatewayConfig.ClientLimits config) {
        this.config = config;
        this.unary = forStream(UNARY);
    }

    /** A fresh limiter for one stream of the named client. */
    public StreamLimiter forStream(String clientName) {
        GatewayConfig.ClientLimit limit = config.forClient(clientName);
        RateLimiter rate = null;
        if (limit.publishRate() > 0) {
            long periodNanos = Math.max(1, (long) limit.publishBurst() * 1_000_000_000L / limit.publishRate());
            rate = RateLimiter.of("publish-" + clientName, RateLimiterConfig.custom()
                    .limitForPeriod(limit.publishBurst())
                    .limitRefreshPeriod(Duration.ofNanos(periodNanos))
                    .timeoutDuration(Duration.ZERO) // never wait on a gRPC thread
                    .build());
        }
        Bulkhead bulkhead = Bulkhead.of("in-flight-" + clientName, BulkheadConfig.custom()
                .maxConcurrentCalls(limit.maxInFlight())
                .maxWaitDuration(Duration.ZERO)
                .build());
        return new StreamLimiter(clientName, limit, rate, bulkhead);
    }

    /**
     * The limiter the unary Publish calls of an authenticated identity share when
     * {@code resilience.client-limits.clients} names it, else {@link #unary()}.
     */
    public StreamLimiter unaryOf(String identity) {
        if (!config.clients().containsKey(identity)) {
            return unary;
        }
        return unaryByIdentity.computeIfAbsent(identity, this::forStream);
    }

    /** The limiter all unary Publish calls share. */
    public StreamLimiter unary() {
        return unary;
    }
}
