package io.tidegate.gateway;

import com.google.inject.name.Named;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.console.ReplicaView;
import io.tidegate.gateway.dispatch.DispatchStats;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.instruments.InstrumentRegistry;
import io.tidegate.gateway.priority.PolicyFallbacks;
import io.tidegate.gateway.market.MarketDataTap;
import io.tidegate.gateway.regime.RegimeCounters;
import io.tidegate.gateway.resilience.ResilienceStats;
import io.tidegate.gateway.resilience.ResilientBackend;
import io.tidegate.gateway.security.AuthRefusals;
import io.tidegate.gateway.security.AclRefusals;
import io.tidegate.gateway.risk.RiskRefusals;
import io.tidegate.gateway.security.GatewaySecurity;
import io.tidegate.gateway.server.ServerStats;
import io.tidegate.gateway.telemetry.GatewayMetrics;
import io.tidegate.gateway.telemetry.TopicClasses;
import io.tidegate.gateway.telemetry.TopicTraffic;
import io.tidegate.intelligence.regime.Regime;
import io.tidegate.intelligence.regime.RegimeBook;
import io.tidegate.otel.Telemetry;
import io.tidegate.gateway.book.BookKeeper;
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
 * backend and the share of its limit it fills ({@code tidegate.spool.fill_ratio}), subscriber streams
 * that hold deliveries but do not read ({@code tidegate.subscribers.stalled}), learned dispatch policies that fell back to strict ({@code tidegate.dispatch.policy.fallbacks}),
 * consumer lag per group ({@code tidegate.consumer.lag}) and losses of the backend's stored
 * history ({@code tidegate.backend.resets}), refused authentications per reason
 * ({@code tidegate.auth.refusals}), orders the risk gate refused per rule ({@code tidegate.risk.refusals}), and the market intelligence: regime changes per regime
 * ({@code tidegate.regime.changes}), instruments tracked ({@code tidegate.regime.instruments}), order books
 * kept and lost ({@code tidegate.books}, {@code tidegate.books.lost}) and market
 * messages or regime changes skipped, per reason ({@code tidegate.intel.dropped}). Each reads the {@code *Stats} its package exposes;
 * registered here, at the composition root, so no package reads another's internals for metrics.
 * Thread-safe.
 */
@Singleton
final class GatewayGauges {

    private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
    private static final AttributeKey<String> BACKEND = AttributeKey.stringKey("backend");
    private static final AttributeKey<String> BREAKER = AttributeKey.stringKey("breaker");
    private static final AttributeKey<String> GROUP = AttributeKey.stringKey("group");
    private static final AttributeKey<String> REGIME = AttributeKey.stringKey("regime");
    private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
    private static final AttributeKey<String> ACTION = AttributeKey.stringKey("action");
    private static final AttributeKey<String> LANES = AttributeKey.stringKey("lanes");
    private static final AttributeKey<String> RULE = AttributeKey.stringKey("rule");

    @Inject
    GatewayGauges(Telemetry telemetry, IngressDispatcher dispatcher, DispatchStats dispatch, ServerStats server,
                  @Named(BackendStackModule.STORE) Backend store, GatewaySecurity security, PolicyFallbacks fallbacks,
                  MarketDataTap tap, RegimeCounters regimes, RegimeBook book, GatewayMetrics metrics,
                  ReplicaView replicas, InstrumentRegistry instruments, RiskRefusals risk, BookKeeper books,
                  GatewayConfig config) {
        Meter meter = telemetry.getMeterProvider().get("io.tidegate.gateway");
        registerSecurity(meter, security.refusals());
        registerAcl(meter, security.aclRefusals());
        registerRisk(meter, risk);
        registerDispatch(meter, dispatcher, dispatch);
        registerPolicy(meter, fallbacks);
        registerServer(meter, server, config.ops().alerts().subscriberStallAfter());
        registerBackend(meter, store);
        registerInstruments(meter, instruments);
        if (store instanceof ResilientBackend resilient) {
            registerResilience(meter, resilient, config.resilience().spool().maxBytes());
        }
        registerIntelligence(meter, tap, regimes, book, books);
        registerBooks(meter, books);
        registerTopics(meter, metrics.traffic());
        registerReplicas(meter, replicas, config.gatewayId(), config.console().announceInterval());
    }

    private static void registerReplicas(Meter meter, ReplicaView replicas, String self, java.time.Duration announceInterval) {
        Attributes up = Attributes.of(STATE, "up");
        Attributes gone = Attributes.of(STATE, "gone");
        meter.gaugeBuilder("tidegate.replicas").ofLongs().setUnit("{gateway}")
                .setDescription("Gateways sharing this bus as this replica last read their announcements: up, or gone "
                        + "(not heard for 3 console.announce-interval); memory backend: this one")
                .buildWithCallback(m -> {
                    long now = System.currentTimeMillis();
                    long others = 0;
                    long gones = 0;
                    for (ReplicaView.Replica r : replicas.replicas()) {
                        if (!r.gatewayId().equals(self)) {
                            others++;
                            gones += ReplicaView.gone(r, now, announceInterval) ? 1 : 0;
                        }
                    }
                    m.record(1 + others - gones, up); // this replica is up while it answers
                    m.record(gones, gone);
                });
    }

    private static final AttributeKey<String> TOPIC_KIND = AttributeKey.stringKey("topic_kind");
    private static final AttributeKey<String> VENUE = AttributeKey.stringKey("venue");
    private static final AttributeKey<String> INSTRUMENT = AttributeKey.stringKey("instrument");

    /** Per topic (at most console.max-topics, the rest as "other"), labelled by kind, venue and instrument. */
    private static void registerTopics(Meter meter, TopicTraffic traffic) {
        meter.counterBuilder("tidegate.topic.messages.in").setUnit("{message}")
                .setDescription("Messages handed to the backend per topic, labelled topic_kind (segments 0-1), venue "
                        + "(segment 2) and instrument (segment 3 on); at most console.max-topics topics, the rest as other")
                .buildWithCallback(m -> traffic.snapshot().forEach(r -> m.record(r.in(), topicAttributes(r))));
        meter.counterBuilder("tidegate.topic.messages.out").setUnit("{message}")
                .setDescription("Messages written to subscriber streams per topic, labelled like tidegate.topic.messages.in")
                .buildWithCallback(m -> traffic.snapshot().forEach(r -> m.record(r.out(), topicAttributes(r))));
        meter.gaugeBuilder("tidegate.topic.last_message.age").setUnit("s")
                .setDescription("Seconds since the topic's last message in or out (a stale feed grows here)")
                .buildWithCallback(m -> {
                    long now = System.currentTimeMillis();
                    traffic.snapshot().forEach(r -> m.record(
                            Math.max(0, now - Math.max(r.lastInMillis(), r.lastOutMillis())) / 1000.0, topicAttributes(r)));
                });
    }

    private static Attributes topicAttributes(TopicTraffic.Row r) {
        String[] parts = r.segments();
        return Attributes.of(TOPIC_KIND, parts[0], VENUE, parts[1], INSTRUMENT, parts[2]);
    }

    private static void registerBooks(Meter meter, BookKeeper books) {
        meter.gaugeBuilder("tidegate.books").ofLongs().setUnit("{book}")
                .setDescription("Order books kept from data.books.<VENUE>.<SYMBOL> (limit intelligence.books.max-books)")
                .buildWithCallback(m -> m.record(books.count()));
        meter.counterBuilder("tidegate.books.lost").setUnit("{book}")
                .setDescription("Times a live order book was lost until its next snapshot (reset, sequence gap, "
                        + "skipped messages, a delta that could not be applied)")
                .buildWithCallback(m -> m.record(books.losses()));
    }

    private static void registerIntelligence(Meter meter, MarketDataTap tap, RegimeCounters regimes, RegimeBook book,
                                             BookKeeper books) {
        meter.counterBuilder("tidegate.regime.changes").setUnit("{change}")
                .setDescription("Instruments entering a market regime, per regime entered")
                .buildWithCallback(m -> {
                    for (Regime r : Regime.values()) {
                        m.record(regimes.changes(r), Attributes.of(REGIME, r.name().toLowerCase(java.util.Locale.ROOT)));
                    }
                });
        meter.gaugeBuilder("tidegate.regime.instruments").ofLongs().setUnit("{instrument}")
                .setDescription("Instruments whose regime is tracked (limit intelligence.regime.max-instruments)")
                .buildWithCallback(m -> m.record(book.size()));
        meter.counterBuilder("tidegate.intel.dropped").setUnit("{message}")
                .setDescription("Market messages the intelligence skipped (queue_full, malformed, untracked) and regime "
                        + "changes not published (unpublished); the publishes themselves succeeded")
                .buildWithCallback(m -> {
                    m.record(tap.dropped(), Attributes.of(REASON, "queue_full"));
                    m.record(tap.malformed() + regimes.unusableMessages(), Attributes.of(REASON, "malformed"));
                    m.record(regimes.untrackedMessages() + books.untracked(), Attributes.of(REASON, "untracked"));
                    m.record(regimes.unpublishedChanges(), Attributes.of(REASON, "unpublished"));
                });
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

    private static void registerSecurity(Meter meter, AuthRefusals refusals) {
        meter.counterBuilder("tidegate.auth.refusals").setUnit("{call}")
                .setDescription("Calls refused for want of valid credentials (gRPC UNAUTHENTICATED, admin 401/403), per reason")
                .buildWithCallback(m -> refusals.counts().forEach((reason, n) -> m.record(n, Attributes.of(REASON, reason.label()))));
    }

    private static void registerAcl(Meter meter, AclRefusals refusals) {
        meter.counterBuilder("tidegate.acl.refusals").setUnit("{refusal}")
                .setDescription("Publishes, subscriptions and group joins refused by security.acl (PERMISSION_DENIED), per action")
                .buildWithCallback(m -> refusals.counts().forEach((action, n) -> m.record(n, Attributes.of(ACTION, action.label()))));
    }

    private static void registerRisk(Meter meter, RiskRefusals refusals) {
        meter.counterBuilder("tidegate.risk.refusals").setUnit("{order}")
                .setDescription("Orders and order messages refused by the pre-trade risk gate (risk.enabled), per rule")
                .buildWithCallback(m -> refusals.counts().forEach((rule, n) -> m.record(n, Attributes.of(RULE, rule.label()))));
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
        meter.counterBuilder("tidegate.instrument.aliases_learned").setUnit("{alias}")
                .setDescription("Currency aliases learned from prices (co-movement) and confirmed by a listing")
                .buildWithCallback(m -> m.record(instruments.learnedFromPrices()));
        meter.gaugeBuilder("tidegate.instrument.proposals_pending").ofLongs().setUnit("{proposal}")
                .setDescription("Co-movement proposals waiting for a listing to confirm them "
                        + "(limit intelligence.instruments.co-movement.max-pending)")
                .buildWithCallback(m -> m.record(instruments.pendingProposals()));
        meter.counterBuilder("tidegate.instrument.proposals_evicted").setUnit("{proposal}")
                .setDescription("Pending co-movement proposals evicted, oldest first, past "
                        + "intelligence.instruments.co-movement.max-pending")
                .buildWithCallback(m -> m.record(instruments.evictedProposals()));
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
