package io.tidegate.gateway;

import io.tidegate.gateway.backend.Backend;

/**
 * Wraps the backend store the configuration chose, below the gateway's metrics and spans, for a
 * benchmark or test that emulates a backend's behaviour (e.g. its service time) around the memory
 * store ({@link EmbeddedGateway#startWithStore}).
 * Called once, on the thread that starts the gateway; the backend it returns is used from every
 * thread, as any {@link Backend} is.
 */
@FunctionalInterface
public interface StoreDecorator {

    /** The store the gateway uses instead of {@code store}; closing it must close {@code store}. */
    Backend decorate(Backend store);
}
