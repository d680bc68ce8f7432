package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.telemetry.DeliveryTelemetry;
import io.tidegate.proto.v1.Subscribe;

/**
 * Makes the subscriptions of every stream: parses Subscribe requests and builds each
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
    private final int maxCredit;
    private final GatewayConfig.Delivery delivery;
    private final io.tidegate.gateway.market.InstrumentDirectory instruments;

    SubscriptionFactory(SubscribeParser parser, Backend backend, DeliveryTelemetry deliveryTelemetry,
                        ConflationCounter conflation, OutboundBudget outboundBudget, int maxCredit,
                        GatewayConfig.Delivery delivery) {
        this(parser, backend, deliveryTelemetry, conflation, outboundBudget, maxCredit, delivery,
                io.tidegate.gateway.market.InstrumentDirectory.none());
    }

    SubscriptionFactory(SubscribeParser parser, Backend backend, DeliveryTelemetry deliveryTelemetry,
                        ConflationCounter conflation, OutboundBudget outboundBudget, int maxCredit,
                        GatewayConfig.Delivery delivery, io.tidegate.gateway.market.InstrumentDirectory instruments) {
        this.instruments = instruments;
        this.parser = parser;
        this.backend = backend;
        this.deliveryTelemetry = deliveryTelemetry;
        this.conflation = conflation;
        this.outboundBudget = outboundBudget;
        this.maxCredit = maxCredit;
        this.delivery = delivery;
    }

    /** The options of a Subscribe request; {@code consumerPrefix} names a group member that gave none. */
    SubscriptionOptions parse(Subscribe request, String consumerPrefix) throws FrameRejectedException {
        return parser.parse(request, consumerPrefix);
    }

    /** A subscription of this gateway, bounded by its limits and outbound budget; not open yet. */
    SessionSubscription newSubscription(SubscriptionOptions options, SessionSubscription.Output output) {
        var subscription = new SessionSubscription(options, output, maxCredit, conflation, outboundBudget, delivery);
        if (!options.instruments().isEmpty()) {
            subscription.followListings(instruments);
        }
        return subscription;
    }

    /** Where subscriptions open. */
    Backend backend() {
        return backend;
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
