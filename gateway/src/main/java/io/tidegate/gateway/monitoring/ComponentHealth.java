package io.tidegate.gateway.monitoring;

import java.util.Objects;

/**
 * How one component of the gateway is doing (the backend connection, the spool, the dispatch
 * queues, a feed), with the reason when it is not {@link State#UP}. Immutable.
 *
 * @param component a short stable name, e.g. {@code backend}, {@code spool}, {@code feed:data.quotes}
 * @param reason    why the state is what it is; empty when up
 */
public record ComponentHealth(String component, State state, String reason) {

    /** Healthy, working but impaired, or not working. */
    public enum State { UP, DEGRADED, DOWN }

    public ComponentHealth {
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
    }

    public static ComponentHealth up(String component) {
        return new ComponentHealth(component, State.UP, "");
    }
}
