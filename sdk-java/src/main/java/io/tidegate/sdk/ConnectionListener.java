package io.tidegate.sdk;

/**
 * Told when the client's stream to a gateway comes up or goes down, e.g. for logs, metrics or
 * readiness. Called on a client thread; implementations must be quick and must not block.
 */
public interface ConnectionListener {

    /** A stream is up: the gateway answered Hello with Welcome. */
    default void onConnected(String endpoint, String gatewayId, String sessionId) {
    }

    /**
     * The stream went down; the client reconnects on its own.
     *
     * @param cause why, e.g. a gRPC status or "gateway draining"; never null
     */
    default void onDisconnected(String endpoint, Throwable cause) {
    }

    /**
     * A connection attempt was refused for its credentials: {@code UNAUTHENTICATED} (no token or
     * certificate, or a wrong, expired or unknown one; the status description says which) or
     * {@code PERMISSION_DENIED}. The client keeps retrying with backoff, so a refreshed token is
     * picked up; fix the settings if it keeps coming.
     *
     * @param cause the gRPC status exception
     */
    default void onRefused(String endpoint, Throwable cause) {
    }

    /**
     * The gateway's backend lost its stored history (e.g. Redis was flushed or replaced by an
     * empty one): messages stored before {@code detectedAt} may be gone and were never
     * delivered, and positions from before it no longer name them. The subscription stays open
     * and goes on with what is stored from now on. Once per subscription and loss, for every
     * subscription of the stream; rebuild state that needs the lost history here.
     *
     * @param subscriptionId the {@link Subscription#id()} told
     * @param reason         the gateway's description, for logs
     */
    default void onBackendReset(String subscriptionId, String reason, java.time.Instant detectedAt) {
    }
}
