package io.tidegate.gateway.backend;

/**
 * The backend is reachable but refuses the command for a reason retrying cannot fix (a Redis ACL
 * user without the permission, a login Redis no longer accepts): the publisher is told
 * FAILED_PRECONDITION with the reason, and the message is neither retried nor spooled, since no
 * recovery of the backend would ever take it. Immutable.
 */
public final class BackendRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BackendRefusedException(String message) {
        super(message, null, false, false);
    }
}
