package io.tidegate.gateway.server;

import io.tidegate.gateway.server.limits.ClientLimits;
import io.tidegate.gateway.server.limits.StreamLimiter;
import io.tidegate.gateway.security.Identity;

/**
 * Where publishes of every stream go: the shared {@link BatchPublisher} and the per-client limits
 * each stream publishes under. Thread-safe.
 */
final class PublishPath {

    private final BatchPublisher publisher;
    private final ClientLimits clientLimits;

    PublishPath(BatchPublisher publisher, ClientLimits clientLimits) {
        this.publisher = publisher;
        this.clientLimits = clientLimits;
    }

    BatchPublisher publisher() {
        return publisher;
    }

    /**
     * The publish limits (rate, in flight) of a new stream of the client: its authenticated
     * identity when authentication is on, else the name it sent in Hello.
     */
    StreamLimiter limiterFor(String clientName) {
        return clientLimits.forStream(clientName);
    }

    /**
     * The publish limits of a unary Publish call: those shared by the identity's unary calls when
     * it has limits of its own, else those all unary calls share.
     *
     * @param identity the caller, or null when authentication is off
     */
    StreamLimiter unaryLimiter(Identity identity) {
        return identity == null ? clientLimits.unary() : clientLimits.unaryOf(identity.name());
    }
}
