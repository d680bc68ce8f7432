package io.tidegate.gateway.monitoring;

import java.util.List;

/**
 * The health of every component, read by {@code /healthz?verbose} and by health alert rules.
 * Implementations read cheap state and may be called from any thread.
 */
@FunctionalInterface
public interface HealthView {

    /** Nothing to report. */
    HealthView NONE = List::of;

    /** Every component's state now, in a stable order. */
    List<ComponentHealth> components();
}
