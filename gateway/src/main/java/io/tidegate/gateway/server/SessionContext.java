package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.resilience.ClientLimits;
import io.tidegate.gateway.resilience.StreamLimiter;
import io.tidegate.gateway.telemetry.DeliveryTelemetry;
import io.tidegate.proto.v1.Limits;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every stream of this gateway shares: configuration, the publish path, the backend, and
 * the set of live sessions (for drain). Thread-safe.
 */
final class SessionContext {

    private final GatewayConfig config;
    private final Limits limits;
    private final BatchPublisher publisher;
    private final SubscribeParser subscribeParser;
    private final Backend backend;
    private final ClientLimits clientLimits;
    private final DeliveryTelemetry deliveryTelemetry;
    private final ConflationCounter conflation;
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();

    SessionContext(GatewayConfig config, BatchPublisher publisher, Backend backend, DeliveryTelemetry deliveryTelemetry,
                   ConflationCounter conflation) {
        this.config = config;
        this.deliveryTelemetry = deliveryTelemetry;
        this.conflation = conflation;
        this.publisher = publisher;
        this.backend = backend;
        this.subscribeParser = new SubscribeParser(config);
        this.clientLimits = new ClientLimits(config.resilience().clientLimits());
        var l = config.limits();
        this.limits = Limits.newBuilder()
                .setMaxPayloadBytes(l.maxPayloadBytes())
                .setMaxBatchMessages(l.maxBatchMessages())
                .setMaxSubscriptions(l.maxSubscriptionsPerStream())
                .setMaxTopicLength(l.maxTopicLength())
                .setDefaultCredit(l.defaultCredit())
                .setDefaultAckDeadlineMs((int) config.delivery().defaultAckDeadline().toMillis())
                .setMaxFrameBytes(l.maxFrameBytes())
                .setDedupWindowMs((int) Math.min(Integer.MAX_VALUE, config.dedupWindow().toMillis()))
                .build();
    }

    GatewayConfig config() {
        return config;
    }

    String gatewayId() {
        return config.gatewayId();
    }

    Limits limits() {
        return limits;
    }

    BatchPublisher publisher() {
        return publisher;
    }

    SubscribeParser subscribeParser() {
        return subscribeParser;
    }

    Backend backend() {
        return backend;
    }

    /** Metrics and spans of messages written to subscribers. */
    DeliveryTelemetry deliveryTelemetry() {
        return deliveryTelemetry;
    }

    ConflationCounter conflation() {
        return conflation;
    }

    /** The publish limits (rate, in flight) of a new stream of the named client. */
    StreamLimiter limiterFor(String clientName) {
        return clientLimits.forStream(clientName);
    }

    /** The publish limits all unary Publish calls share. */
    StreamLimiter unaryLimiter() {
        return clientLimits.unary();
    }

    void sessionStarted(ClientSession session) {
        sessions.add(session);
    }

    void sessionEnded(ClientSession session) {
        sessions.remove(session);
    }

    Collection<ClientSession> sessions() {
        return List.copyOf(sessions);
    }
}
