package io.tidegate.gateway.monitoring;

/**
 * A part of the gateway that must be ready before it takes traffic, beside the backend (e.g. the
 * risk gate while it rebuilds its positions from the bus): {@link Readiness} asks each one, and
 * {@code /readyz} answers 503 with the reason while any says it is not. Features add theirs with
 * {@code Multibinder<ReadinessCondition>}. Implementations are thread-safe and cheap to ask.
 */
@FunctionalInterface
public interface ReadinessCondition {

    /** Null when ready, else why not (one line, for {@code /readyz}). */
    String notReadyReason();
}
