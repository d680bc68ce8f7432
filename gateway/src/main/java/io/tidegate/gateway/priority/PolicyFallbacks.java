package io.tidegate.gateway.priority;

import io.tidegate.intelligence.scheduling.FallbackListener;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs the lane sets whose learned policy fell back to strict priority: the ingress
 * lanes and each stream's outbound lanes. Each lane set falls back at most once (the watchdog is
 * sticky), so each fallback is one log line. Thread-safe.
 */
public final class PolicyFallbacks {

    private static final Logger log = LoggerFactory.getLogger(PolicyFallbacks.class);

    private final AtomicLong ingress = new AtomicLong();
    private final AtomicLong outbound = new AtomicLong();

    /** The listener for the ingress lanes. */
    public FallbackListener ingress() {
        return e -> {
            ingress.incrementAndGet();
            log.warn("{} (ingress lanes)", e.message());
        };
    }

    /** The listener for one stream's outbound lanes. */
    public FallbackListener outbound() {
        return e -> {
            outbound.incrementAndGet();
            log.warn("{} (a subscriber stream's outbound lanes)", e.message());
        };
    }

    /** Fallbacks of the ingress lanes so far (0 or 1). */
    public long ingressFallbacks() {
        return ingress.get();
    }

    /** Fallbacks of stream outbound lanes so far. */
    public long outboundFallbacks() {
        return outbound.get();
    }
}
