package io.tidegate.gateway.server;

import io.tidegate.gateway.server.limits.ClientLimits;
import io.tidegate.gateway.server.limits.StreamLimiter;

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

    /** The publish limits (rate, in flight) of a new stream of the named client. */
    StreamLimiter limiterFor(String clientName) {
        return clientLimits.forStream(clientName);
    }

    /** The publish limits all unary Publish calls share. */
    StreamLimiter unaryLimiter() {
        return clientLimits.unary();
    }
}
