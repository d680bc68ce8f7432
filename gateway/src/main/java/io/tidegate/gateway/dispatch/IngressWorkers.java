package io.tidegate.gateway.dispatch;

/**
 * How many threads currently take publishes from the ingress queues to the backend, for the
 * {@code tidegate.workers} gauge. The single-thread {@link IngressDispatcher} has one; a scaling
 * pool binds its own. Implementations are read from a metrics thread and must be thread-safe.
 */
@FunctionalInterface
public interface IngressWorkers {

    /** One dispatch thread. */
    IngressWorkers SINGLE = () -> 1;

    int count();
}
