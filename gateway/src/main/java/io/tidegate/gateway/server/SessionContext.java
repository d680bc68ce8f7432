package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.server.limits.ClientLimits;
import io.tidegate.gateway.server.limits.StreamLimiter;
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
    private final OutboundBudget outboundBudget;
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    private final StreamActivityLog activity = new StreamActivityLog();

    SessionContext(GatewayConfig config, BatchPublisher publisher, Backend backend, DeliveryTelemetry deliveryTelemetry,
                   ConflationCounter conflation, OutboundBudget outboundBudget) {
        this.config = config;
        this.outboundBudget = outboundBudget;
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

    /** A subscription of this gateway, bounded by its limits and outbound budget. */
    SessionSubscription newSubscription(SubscriptionOptions options, SessionSubscription.Output output) {
        return new SessionSubscription(options, output, config.limits().maxCredit(), conflation, outboundBudget,
                config.delivery());
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
        activity.opened();
    }

    void sessionEnded(ClientSession session) {
        if (sessions.remove(session)) {
            activity.ended();
        }
    }

    StreamActivityLog activity() {
        return activity;
    }

    int sessionCount() {
        return sessions.size();
    }

    Collection<ClientSession> sessions() {
        return List.copyOf(sessions);
    }
}
