package io.tidegate.gateway.server;

import io.grpc.Status;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.market.InstrumentDirectory;
import io.tidegate.gateway.priority.LanePolicies;
import io.tidegate.gateway.security.AccessDenied;
import io.tidegate.gateway.security.TopicAccess;
import io.tidegate.gateway.telemetry.DeliveryTelemetry;
import io.tidegate.proto.v1.Subscribe;
import java.util.function.Predicate;

/**
 * Makes the subscriptions of every stream: parses and authorises Subscribe requests and builds each
 * {@link SessionSubscription} on the backend, bounded by the stream credit limit, the
 * gateway-wide outbound budget and the delivery settings, counting what conflation drops.
 * Thread-safe.
 */
final class SubscriptionFactory {

    private final SubscribeParser parser;
    private final Backend backend;
    private final DeliveryTelemetry deliveryTelemetry;
    private final ConflationCounter conflation;
    private final OutboundBudget outboundBudget;
    private final ReadAhead readAhead;
    private final int maxCredit;
    private final GatewayConfig.Delivery delivery;
    private final LanePolicies lanePolicies;
    private final TopicAccess access;
    private final InstrumentDirectory instruments;
    private final ConflationRule conflationRule;

    /** @param instruments the listings that subscriptions by instrument follow */
    SubscriptionFactory(SubscribeParser parser, Backend backend, DeliveryTelemetry deliveryTelemetry,
                        ConflationCounter conflation, OutboundBudget outboundBudget, ReadAhead readAhead,
                        int maxCredit, GatewayConfig.Delivery delivery, LanePolicies lanePolicies, TopicAccess access,
                        InstrumentDirectory instruments, ConflationRule conflationRule) {
        this.access = access;
        this.conflationRule = conflationRule;
        this.lanePolicies = lanePolicies;
        this.instruments = instruments;
        this.parser = parser;
        this.backend = backend;
        this.deliveryTelemetry = deliveryTelemetry;
        this.conflation = conflation;
        this.outboundBudget = outboundBudget;
        this.readAhead = readAhead;
        this.maxCredit = maxCredit;
        this.delivery = delivery;
    }

    /** The options of a Subscribe request; {@code consumerPrefix} names a group member that gave none. */
    SubscriptionOptions parse(Subscribe request, String consumerPrefix) throws FrameRejectedException {
        return parser.parse(request, consumerPrefix);
    }

    /**
     * The options as the caller may have them: refused PERMISSION_DENIED when a pattern lies
     * wholly outside what it may subscribe to or it may not join the group; reading only the
     * allowed topics when a pattern is allowed in part.
     */
    SubscriptionOptions authorise(SubscriptionOptions options, Caller caller) throws FrameRejectedException {
        var spec = options.spec();
        try {
            Predicate<String> allowed = access.subscribe(caller.identity(), caller.peer(), spec.patterns(), spec.group());
            return allowed == null ? options : options.withSpec(spec.withTopicFilter(allowed));
        } catch (AccessDenied e) {
            throw new FrameRejectedException(Status.Code.PERMISSION_DENIED, e.getMessage());
        }
    }

    /** A subscription of this gateway, bounded by its limits and outbound budget; not open yet. */
    SessionSubscription newSubscription(SubscriptionOptions options, SessionSubscription.Output output) {
        var subscription = new SessionSubscription(options, output, maxCredit, conflation, outboundBudget, readAhead,
                delivery, conflationRule);
        if (!options.instruments().isEmpty()) {
            subscription.followListings(instruments);
        }
        return subscription;
    }

    /** Where subscriptions open. */
    Backend backend() {
        return backend;
    }

    /** The policy and lanes of each stream's outbound queue. */
    LanePolicies lanePolicies() {
        return lanePolicies;
    }

    /** Metrics and spans of messages written to subscribers. */
    DeliveryTelemetry deliveryTelemetry() {
        return deliveryTelemetry;
    }

    long conflatedMessages() {
        return conflation.superseded();
    }

    long queuedOutboundBytes() {
        return outboundBudget.queuedBytes();
    }

    long shortOutboundReservations() {
        return outboundBudget.shortReservations();
    }
}
