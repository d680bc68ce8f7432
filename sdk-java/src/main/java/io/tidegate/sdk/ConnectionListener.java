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
}
