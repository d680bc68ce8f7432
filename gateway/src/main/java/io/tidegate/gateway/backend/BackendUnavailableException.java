package io.tidegate.gateway.backend;

/**
 * The backend could not be reached (as opposed to being misconfigured): worth trying again
 * later. Immutable.
 */
public final class BackendUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
