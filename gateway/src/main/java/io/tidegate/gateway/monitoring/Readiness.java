package io.tidegate.gateway.monitoring;

import io.tidegate.gateway.backend.Backend;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Set;

/**
 * Whether this gateway should receive traffic: started, not draining, backend ready, and every
 * feature's {@link ReadinessCondition} met (the risk gate rebuilt). Read by {@code /readyz}.
 * Thread-safe.
 */
@Singleton
public final class Readiness {

    private final Backend backend;
    private final List<ReadinessCondition> conditions;
    private volatile boolean started;
    private volatile boolean draining;

    public Readiness(Backend backend) {
        this(backend, Set.of());
    }

    /** @param conditions the features' own conditions (see {@link ReadinessCondition}) */
    @Inject
    public Readiness(Backend backend, Set<ReadinessCondition> conditions) {
        this.backend = backend;
        this.conditions = List.copyOf(conditions);
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
        for (ReadinessCondition c : conditions) {
            String why = c.notReadyReason();
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /**
     * Null when the gateway runs normally; else how it is degraded while ready (e.g. spooling to
     * disk, or Redis refusing some commands for lack of a permission).
     */
    public String degradedNote() {
        String degraded = backend.degradedReason();
        String refused = backend.recentRefusal();
        return refused == null ? degraded : degraded == null ? refused : degraded + "; " + refused;
    }
}
