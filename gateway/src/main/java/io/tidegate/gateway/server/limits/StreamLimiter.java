package io.tidegate.gateway.server.limits;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.tidegate.gateway.config.GatewayConfig;

/**
 * The publish limits of one client stream: a Resilience4j RateLimiter (messages per second) and a
 * semaphore Bulkhead (publishes awaiting the backend). Never blocks: a message that does not get
 * its permits at once is refused with a reason that says what to fix. Thread-safe.
 */
public final class StreamLimiter {

    /** No limits; for the gateway's own publishes (dead letters). */
    public static final StreamLimiter UNLIMITED = new StreamLimiter("", null, null, null);

    private final String clientName;
    private final GatewayConfig.ClientLimit limit;
    private final RateLimiter rate;
    private final Bulkhead bulkhead;

    StreamLimiter(String clientName, GatewayConfig.ClientLimit limit, RateLimiter rate, Bulkhead bulkhead) {
        this.clientName = clientName;
        this.limit = limit;
        this.rate = rate;
        this.bulkhead = bulkhead;
    }

    /**
     * Takes the permits for one message.
     *
     * @return null when admitted (call {@link #release} once the backend answered), else why not
     */
    public String tryAcquire() {
        if (bulkhead != null && !bulkhead.tryAcquirePermission()) {
            return "client \"" + clientName + "\" already has " + limit.maxInFlight()
                    + " publishes awaiting the backend, its limit (" + limit.keyPrefix()
                    + ".max-in-flight); wait for acks before sending more, or raise the limit";
        }
        if (rate != null && !rate.acquirePermission()) {
            if (bulkhead != null) {
                bulkhead.releasePermission();
            }
            return "client \"" + clientName + "\" is limited to " + limit.publishRate() + " msg/s, bursts of "
                    + limit.publishBurst() + " (" + limit.keyPrefix() + ".publish-rate / .publish-burst); "
                    + "slow down, or raise the limit";
        }
        return null;
    }

    /** Gives back the in-flight permit of an admitted message once the backend answered it. */
    public void release() {
        if (bulkhead != null) {
            bulkhead.onComplete();
        }
    }

    /** Publishes awaiting the backend past which the stream should stop reading frames. */
    public int maxInFlight() {
        return limit == null ? Integer.MAX_VALUE : limit.maxInFlight();
    }

    /** Publish permits the rate limiter has right now (for tests and diagnostics); -1 if unlimited. */
    public int availableRatePermits() {
        return rate == null ? -1 : rate.getMetrics().getAvailablePermissions();
    }
}
