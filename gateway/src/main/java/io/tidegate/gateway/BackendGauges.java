package io.tidegate.gateway;

import com.google.inject.name.Named;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.resilience.ResilienceStats;
import io.tidegate.gateway.resilience.ResilientBackend;
import io.tidegate.otel.Telemetry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Map;

/**
 * Gauges of the store backend: losses of its stored history ({@code tidegate.backend.resets}),
 * predictive steering ({@code tidegate.group.steered}), holes trimmed by retention
 * ({@code tidegate.delivery.gaps}, {@code tidegate.delivery.lost_to_retention}), consumer lag and
 * pending entries per group ({@code tidegate.consumer.lag}, {@code tidegate.consumer.pending}) and,
 * with the resilience layer, its circuit breakers ({@code tidegate.breaker.state}, 1 for the
 * current state) and disk spool ({@code tidegate.spool.size} bytes, {@code tidegate.spool.pending}
 * messages, {@code tidegate.spool.fill_ratio} of its limit).
 *
 * <p>Read when metrics are collected (a {@code /metrics} scrape or an OTLP push), never on the hot
 * path; registered at the composition root, so no package reads another's internals for
 * metrics. Thread-safe.
 */
@Singleton
final class BackendGauges {

    private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
    private static final AttributeKey<String> BACKEND = AttributeKey.stringKey("backend");
    private static final AttributeKey<String> BREAKER = AttributeKey.stringKey("breaker");
    private static final AttributeKey<String> GROUP = AttributeKey.stringKey("group");

    @Inject
    BackendGauges(Telemetry telemetry, @Named(BackendStackModule.STORE) Backend store, GatewayConfig config) {
        Meter meter = telemetry.getMeterProvider().get("io.tidegate.gateway");
        registerBackend(meter, store);
        if (store instanceof ResilientBackend resilient) {
            registerResilience(meter, resilient, config.resilience().spool().maxBytes());
        }
    }

    private static void registerBackend(Meter meter, Backend store) {
        meter.counterBuilder("tidegate.backend.resets").setUnit("{reset}")
                .setDescription("Times the backend was found to have lost its stored history (Redis flushed or "
                        + "replaced by an empty one); subscribers were sent BackendReset")
                .buildWithCallback(m -> m.record(store.resets()));
        meter.counterBuilder("tidegate.backend.refused_commands").setUnit("{command}")
                .setDescription("Commands the backend refused for good (a Redis ACL without the permission, a login it "
                        + "no longer accepts); their publishes were answered FAILED_PRECONDITION, not spooled")
                .buildWithCallback(m -> m.record(store.refusedCommands()));
        meter.counterBuilder("tidegate.group.steered").setUnit("{decision}")
                .setDescription("delivery.balancer=predictive: times a group member was passed over for one predicted "
                        + "to finish sooner (memory: a message left to another member; Redis: a read held back)")
                .buildWithCallback(m -> m.record(store.steeredAway()));
        meter.counterBuilder("tidegate.delivery.gaps").setUnit("{gap}")
                .setDescription("Holes trimmed by retention before a broadcast subscriber read them; each was "
                        + "reported to the subscriber as a Gap")
                .buildWithCallback(m -> m.record(store.deliveryGaps()));
        meter.counterBuilder("tidegate.delivery.lost_to_retention").setUnit("{message}")
                .setDescription("Entries in those holes, where the backend could count them")
                .buildWithCallback(m -> m.record(store.entriesLostToRetention()));
        meter.gaugeBuilder("tidegate.consumer.pending").ofLongs().setUnit("{message}")
                .setDescription("Entries delivered to a consumer group and not yet acknowledged, summed over its topics")
                .buildWithCallback(m -> {
                    for (Map.Entry<String, Long> e : store.consumerPending().entrySet()) {
                        m.record(e.getValue(), Attributes.of(GROUP, e.getKey()));
                    }
                });
        meter.gaugeBuilder("tidegate.consumer.lag").ofLongs().setUnit("{message}")
                .setDescription("Entries not yet delivered to a consumer group, summed over its topics")
                .buildWithCallback(m -> {
                    for (Map.Entry<String, Long> e : store.consumerLag().entrySet()) {
                        m.record(e.getValue(), Attributes.of(GROUP, e.getKey()));
                    }
                });
    }

    private static void registerResilience(Meter meter, ResilientBackend resilient, long spoolMaxBytes) {
        meter.gaugeBuilder("tidegate.spool.fill_ratio")
                .setDescription("Share of resilience.spool.max-bytes the disk spool occupies (0 to 1)")
                .buildWithCallback(m -> m.record((double) stats(resilient).spoolBytes() / spoolMaxBytes,
                        Attributes.of(BACKEND, resilient.name())));
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
