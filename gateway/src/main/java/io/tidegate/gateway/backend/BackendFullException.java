package io.tidegate.gateway.backend;

/**
 * The backend, or what stands in for it while it is unreachable, has no room for a batch:
 * publishers are told RESOURCE_EXHAUSTED and nothing is dropped. Decorators throw subtypes that
 * say which room ran out. Immutable.
 */
public class BackendFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected BackendFullException(String message) {
        super(message, null, false, false);
    }
}
