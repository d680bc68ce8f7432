/** Per-client publish limits of a stream (rate and in-flight, Resilience4j RateLimiter and Bulkhead) the server owns; depends on config only. */
package io.tidegate.gateway.server.limits;
