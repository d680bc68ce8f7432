package io.tidegate.gateway;

import com.google.inject.name.Named;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.dispatch.DispatchStats;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.resilience.ResilienceStats;
import io.tidegate.gateway.resilience.ResilientBackend;
import io.tidegate.gateway.server.ServerStats;
import io.tidegate.gateway.telemetry.TopicClasses;
import io.tidegate.otel.Telemetry;
import io.tidegate.gateway.instruments.InstrumentRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Map;

/**
 * Gauges read when metrics are collected (a {@code /metrics} scrape or an OTLP push), never on
 * the hot path: ingress queue depth per priority ({@code tidegate.queue.depth}), dispatch workers
 * ({@code tidegate.workers}), messages dropped by conflation ({@code tidegate.conflated}), bytes
 * waiting for subscriber streams ({@code tidegate.outbound.queued}) and reads the gateway-wide
 * limit made smaller ({@code tidegate.outbound.short_reservations}), connected client streams
 * ({@code tidegate.clients.connected}), the
 * circuit breaker state ({@code tidegate.breaker.state}, 1 for the current state) and the disk
 * spool ({@code tidegate.spool.size} bytes, {@code tidegate.spool.pending} messages) of the Redis
 * backend, consumer lag per group ({@code tidegate.consumer.lag}) and losses of the backend's stored
 * history ({@code tidegate.backend.resets}). Each reads the {@code *Stats} its package exposes;
 * registered here, at the composition root, so no package reads another's internals for metrics.
 * Thread-safe.
 */
@Singleton
final class GatewayGauges {

    private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
    private static final AttributeKey<String> BACKEND = AttributeKey.stringKey("backend");
    private static final AttributeKey<String> BREAKER = AttributeKey.stringKey("breaker");
    private static final AttributeKey<String> GROUP = AttributeKey.stringKey("group");

    @Inject
    GatewayGauges(Telemetry telemetry, IngressDispatcher dispatcher, DispatchStats dispatch, ServerStats server,
                  @Named(BackendStackModule.STORE) Backend store, InstrumentRegistry instruments) {
        Meter meter = telemetry.getMeterProvider().get("io.tidegate.gateway");
        registerDispatch(meter, dispatcher, dispatch);
        registerServer(meter, server);
        registerBackend(meter, store);
        registerInstruments(meter, instruments);
        if (store instanceof ResilientBackend resilient) {
            registerResilience(meter, resilient);
        }
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

    private static void registerServer(Meter meter, ServerStats server) {
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

    private static void registerBackend(Meter meter, Backend store) {
        meter.counterBuilder("tidegate.backend.resets").setUnit("{reset}")
                .setDescription("Times the backend was found to have lost its stored history (Redis flushed or "
                        + "replaced by an empty one); subscribers were sent BackendReset")
                .buildWithCallback(m -> m.record(store.resets()));
        meter.counterBuilder("tidegate.group.steered").setUnit("{decision}")
                .setDescription("delivery.balancer=predictive: times a group member was passed over for one predicted "
                        + "to finish sooner (memory: a message left to another member; Redis: a read held back)")
                .buildWithCallback(m -> m.record(store.steeredAway()));
        meter.gaugeBuilder("tidegate.consumer.lag").ofLongs().setUnit("{message}")
                .setDescription("Entries not yet delivered to a consumer group, summed over its topics")
                .buildWithCallback(m -> {
                    for (Map.Entry<String, Long> e : store.consumerLag().entrySet()) {
                        m.record(e.getValue(), Attributes.of(GROUP, e.getKey()));
                    }
                });
    }

    private static void registerInstruments(Meter meter, InstrumentRegistry instruments) {
        meter.gaugeBuilder("tidegate.instruments.listings").ofLongs().setUnit("{listing}")
                .setDescription("Venue listings the instrument registry holds (limit: intelligence.instruments.max-listings)")
                .buildWithCallback(m -> m.record(instruments.catalog().listingCount()));
        meter.gaugeBuilder("tidegate.instruments.learned_aliases").ofLongs().setUnit("{alias}")
                .setDescription("Currency aliases the instrument registry learned from listings")
                .buildWithCallback(m -> m.record(instruments.catalog().aliasCount()));
        meter.counterBuilder("tidegate.instruments.refused").setUnit("{listing}")
                .setDescription("New listings refused because the registry held intelligence.instruments.max-listings")
                .buildWithCallback(m -> m.record(instruments.refused()));
    }

    private static void registerResilience(Meter meter, ResilientBackend resilient) {
        Attributes backend = Attributes.of(BACKEND, resilient.name());
        meter.gaugeBuilder("tidegate.breaker.state").ofLongs()
                .setDescription("Circuit breakers of backend appends and reads: 1 for the current state, 0 for the others")
                .buildWithCallback(m -> resilient.breakerStates().forEach((guarded, now) -> {
                    for (CircuitBreaker.State s : CircuitBreaker.State.values()) {
                        String state = s.name().toLowerCase(java.util.Locale.ROOT);
                        m.record(state.equals(now) ? 1 : 0,
                                backend.toBuilder().put(BREAKER, guarded).put(STATE, state).build());
                    }
                }));
        meter.gaugeBuilder("tidegate.spool.size").ofLongs().setUnit("By")
                .setDescription("Bytes the disk spool occupies")
                .buildWithCallback(m -> m.record(stats(resilient).spoolBytes(), backend));
        meter.gaugeBuilder("tidegate.spool.pending").ofLongs().setUnit("{message}")
                .setDescription("Spooled messages waiting for replay into the backend")
                .buildWithCallback(m -> m.record(stats(resilient).spoolPending(), backend));
    }

    private static ResilienceStats stats(ResilientBackend backend) {
        return backend.stats();
    }
}
