package io.tidegate.gateway;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.dispatch.DispatchStats;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.priority.PolicyFallbacks;
import io.tidegate.gateway.server.ServerStats;
import io.tidegate.gateway.telemetry.TopicClasses;
import io.tidegate.otel.Telemetry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Gauges of messages on their way through this gateway: ingress queue depth per priority
 * ({@code tidegate.queue.depth}), dispatch workers ({@code tidegate.workers}), learned dispatch
 * policies that fell back to strict ({@code tidegate.dispatch.policy.fallbacks}), subscriber
 * streams that hold deliveries but do not read ({@code tidegate.subscribers.stalled}), messages
 * dropped by conflation ({@code tidegate.conflated}), bytes waiting for subscriber streams
 * ({@code tidegate.outbound.queued}), reads the gateway-wide limit made smaller
 * ({@code tidegate.outbound.short_reservations}) and connected client streams
 * ({@code tidegate.clients.connected}).
 *
 * <p>Read when metrics are collected (a {@code /metrics} scrape or an OTLP push), never on the hot
 * path; registered at the composition root, so no package reads another's internals for
 * metrics. Thread-safe.
 */
@Singleton
final class TrafficGauges {

    private static final AttributeKey<String> LANES = AttributeKey.stringKey("lanes");

    @Inject
    TrafficGauges(Telemetry telemetry, IngressDispatcher dispatcher, DispatchStats dispatch, ServerStats server,
                  PolicyFallbacks fallbacks, GatewayConfig config) {
        Meter meter = telemetry.getMeterProvider().get("io.tidegate.gateway");
        registerDispatch(meter, dispatcher, dispatch);
        registerPolicy(meter, fallbacks);
        registerServer(meter, server, config.ops().alerts().subscriberStallAfter());
    }

    private static void registerDispatch(Meter meter, IngressDispatcher dispatcher, DispatchStats dispatch) {
        meter.gaugeBuilder("tidegate.queue.depth").ofLongs().setUnit("{message}")
                .setDescription("Publishes waiting in the ingress priority queues for the backend, per priority")
                .buildWithCallback(m -> {
                    int[] depths = dispatcher.queueDepths();
                    for (int i = 0; i < depths.length; i++) {
                        m.record(depths[i], TopicClasses.ofLevel(i));
                    }
                });
        meter.gaugeBuilder("tidegate.workers").ofLongs().setUnit("{thread}")
                .setDescription("Threads taking publishes from the ingress queues to the backend")
                .buildWithCallback(m -> m.record(dispatch.workers()));
    }

    private static void registerPolicy(Meter meter, PolicyFallbacks fallbacks) {
        Attributes ingress = Attributes.of(LANES, "ingress");
        Attributes outbound = Attributes.of(LANES, "outbound");
        meter.counterBuilder("tidegate.dispatch.policy.fallbacks").setUnit("{lanes}")
                .setDescription("Lane sets (ingress; each stream's outbound) whose learned dispatch policy fell back to strict priority")
                .buildWithCallback(m -> {
                    m.record(fallbacks.ingressFallbacks(), ingress);
                    m.record(fallbacks.outboundFallbacks(), outbound);
                });
    }

    private static void registerServer(Meter meter, ServerStats server, java.time.Duration stallAfter) {
        meter.gaugeBuilder("tidegate.subscribers.stalled").ofLongs().setUnit("{stream}")
                .setDescription("Subscriber streams whose client has not read for ops.alerts.subscriber-stall-after "
                        + "while deliveries wait for it (it holds credit but does not read)")
                .buildWithCallback(m -> m.record(server.stalledStreams(stallAfter)));
        meter.counterBuilder("tidegate.conflated").setUnit("{message}")
                .setDescription("Messages of conflated subscriptions superseded by a newer one of their key before delivery")
                .buildWithCallback(m -> m.record(server.conflatedMessages()));
        meter.gaugeBuilder("tidegate.outbound.queued").ofLongs().setUnit("By")
                .setDescription("Bytes of messages waiting in gateway memory for subscriber streams (limit: delivery.outbound-bytes)")
                .buildWithCallback(m -> m.record(server.queuedOutboundBytes()));
        meter.counterBuilder("tidegate.outbound.short_reservations").setUnit("{read}")
                .setDescription("Backend reads made smaller than the subscription's window because delivery.outbound-bytes was spent")
                .buildWithCallback(m -> m.record(server.shortOutboundReservations()));
        meter.gaugeBuilder("tidegate.clients.connected").ofLongs().setUnit("{stream}")
                .setDescription("Open Connect streams")
                .buildWithCallback(m -> m.record(server.sessionCount()));
    }
}
