package io.tidegate.gateway.monitoring;

import io.tidegate.gateway.backend.Backend;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Whether this gateway should receive traffic: started, not draining, backend ready. Read by
 * {@code /readyz}. Thread-safe.
 */
@Singleton
public final class Readiness {

    private final Backend backend;
    private volatile boolean started;
    private volatile boolean draining;

    @Inject
    public Readiness(Backend backend) {
        this.backend = backend;
    }

    public void markStarted() {
        started = true;
    }

    public void markDraining() {
        draining = true;
    }

    /** Null when ready, else why not. */
    public String notReadyReason() {
        if (!started) {
            return "starting";
        }
        if (draining) {
            return "draining";
        }
        if (!backend.isReady()) {
            return "backend " + backend.name() + " not ready";
        }
        return null;
    }

    /** Null when the gateway runs normally; else how it is degraded while ready (e.g. spooling to disk). */
    public String degradedNote() {
        return backend.degradedReason();
    }
}
