package io.tidegate.gateway.server;

import jakarta.inject.Singleton;
import java.util.concurrent.atomic.LongAdder;

/**
 * Gateway-wide count of messages that conflated subscriptions dropped because a newer message
 * of the same key superseded them before the subscriber took them; for metrics. Thread-safe.
 */
@Singleton
public final class ConflationCounter {

    private final LongAdder superseded = new LongAdder();

    @jakarta.inject.Inject
    public ConflationCounter() {
    }

    void add(long n) {
        superseded.add(n);
    }

    /** Messages dropped as superseded since start (monotonic). */
    public long superseded() {
        return superseded.sum();
    }
}
