package io.tidegate.gateway.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.tidegate.gateway.config.GatewayConfig;

/**
 * Builds the backend's circuit breakers (appends and reads) from the one {@code resilience.breaker}
 * configuration, so both trip and recover alike. Stateless; any thread.
 */
final class Breakers {

    private Breakers() {
    }

    static CircuitBreaker of(String name, GatewayConfig.Breaker b) {
        return CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(b.slidingWindowSize())
                .minimumNumberOfCalls(b.minimumCalls())
                .failureRateThreshold(b.failureRateThreshold())
                .waitDurationInOpenState(b.openWait())
                .permittedNumberOfCallsInHalfOpenState(b.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                // a refusing backend (ACL) answers, and quickly: not a sign of an outage
                .ignoreExceptions(io.tidegate.gateway.backend.BackendRefusedException.class)
                .build());
    }
}
