package io.tidegate.gateway.priority;

import io.tidegate.intelligence.regime.Regime;

/**
 * The current regime of a message's instrument, read from its topic
 * ({@code exec.commands.<VENUE>.<SYMBOL>...} or {@code data.quotes.<VENUE>.<SYMBOL>}); what the
 * regime-aware priority rules ({@link RegimeRoutes}) ask. Called on gRPC threads for published
 * messages when class-changing rules are configured: implementations must be thread-safe, fast
 * and non-blocking.
 */
@FunctionalInterface
public interface RegimeSource {

    /** Knows no instrument: every message keeps its class (for tests and embedded use). */
    RegimeSource UNKNOWN = topic -> null;

    /** The regime of the topic's instrument, or null when the topic names none or it is not known yet. */
    Regime regimeOf(String topic);
}
