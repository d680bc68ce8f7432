package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
import com.google.inject.Provides;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.name.Named;
import com.google.inject.name.Names;
import io.tidegate.gateway.arbitrage.ArbitrageFeed;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.redis.ReplicaRoster;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.console.BackendView;
import io.tidegate.gateway.console.ClientView;
import io.tidegate.gateway.console.Console;
import io.tidegate.gateway.console.GroupView;
import io.tidegate.gateway.console.IntelligenceView;
import io.tidegate.gateway.console.LaneView;
import io.tidegate.gateway.console.ReplicaView;
import io.tidegate.gateway.console.SnapshotTaker;
import io.tidegate.gateway.console.TrafficView;
import io.tidegate.gateway.dispatch.DispatchStats;
import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.gateway.monitoring.AdminRoute;
import io.tidegate.gateway.monitoring.Readiness;
import io.tidegate.gateway.priority.PriorityLevels;
import io.tidegate.gateway.regime.RegimeCounters;
import io.tidegate.gateway.resilience.ResilientBackend;
import io.tidegate.gateway.server.ServerStats;
import io.tidegate.gateway.telemetry.GatewayMetrics;
import io.tidegate.intelligence.regime.Regime;
import io.tidegate.intelligence.regime.RegimeBook;
import io.tidegate.intelligence.regime.RegimeChange;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Wires the operations console ({@code console.*}): its three admin routes into the
 * {@code Multibinder<AdminRoute>}, and its read-only views over what the gateway already counts
 * (server streams, dispatch lanes, backend, resilience, intelligence, per-topic traffic). With the
 * Redis backend the replica views come from a {@link ReplicaRoster} announcing this gateway.
 */
final class ConsoleModule extends AbstractModule {

    private static final String PAGE = "console.page";
    private static final String STATE = "console.state";
    private static final String EVENTS = "console.events";

    private final GatewayConfig config;

    ConsoleModule(GatewayConfig config) {
        this.config = config;
    }

    @Override
    protected void configure() {
        Multibinder<AdminRoute> routes = Multibinder.newSetBinder(binder(), AdminRoute.class);
        if (enabled()) {
            routes.addBinding().to(Key.get(AdminRoute.class, Names.named(PAGE)));
            routes.addBinding().to(Key.get(AdminRoute.class, Names.named(STATE)));
            routes.addBinding().to(Key.get(AdminRoute.class, Names.named(EVENTS)));
        }
    }

    /** Served only where there is an admin port to serve it. */
    private boolean enabled() {
        return config.console().enabled() && config.http().port() >= 0;
    }

    /** The gateway's version, as built ({@code dev} when run from classes without the filtered file). */
    static String version() {
        try (InputStream in = ConsoleModule.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "dev");
            return v.startsWith("${") ? "dev" : v;
        } catch (IOException e) {
            return "dev";
        }
    }

    @Provides
    @Named(PAGE)
    AdminRoute page(Console console) {
        return console.pageRoute();
    }

    @Provides
    @Named(STATE)
    AdminRoute state(Console console) {
        return console.stateRoute();
    }

    @Provides
    @Named(EVENTS)
    AdminRoute events(Console console) {
        return console.eventsRoute();
    }

    @Provides
    @Singleton
    Console console(ReplicaView replicas, GatewayMetrics metrics, @Named(BackendStackModule.STORE) Backend store,
                    ServerStats server, DispatchStats dispatch, Readiness readiness, IntelligenceView intelligence,
                    io.tidegate.gateway.remediation.RecentActions remediation) {
        var views = new SnapshotTaker.Views(replicas, traffic(metrics), groups(store), clients(server), lanes(dispatch),
                backend(store, readiness), intelligence, () -> remediation.list().stream()
                .map(r -> new io.tidegate.gateway.console.RemediationView.Entry(r.atMillis(), r.action(), r.outcome(),
                        r.target(), r.reason())).toList());
        return new Console(config.console(), new SnapshotTaker(config.gatewayId(), version(), config.console(), views,
                Clock.systemUTC())).start();
    }

    /** With Redis: the roster of the replicas sharing it; with memory: this gateway alone. */
    @Provides
    @Singleton
    ReplicaView replicas() {
        String self = config.gatewayId();
        if (config.backend().type() != GatewayConfig.BackendType.REDIS || !enabled()) {
            return () -> List.of(new ReplicaView.Replica(self, version(), System.currentTimeMillis()));
        }
        ReplicaRoster roster = ReplicaRoster.start(config.backend().redis(), self, version(),
                config.console().announceInterval());
        return new RosterView(roster);
    }

    /** The roster as a replica view; closed with the gateway so the others see it go. */
    static final class RosterView implements ReplicaView, AutoCloseable {
        private final ReplicaRoster roster;

        RosterView(ReplicaRoster roster) {
            this.roster = roster;
        }

        @Override
        public List<Replica> replicas() {
            return roster.seen().values().stream()
                    .map(s -> new Replica(s.gatewayId(), s.version(), s.lastSeenMillis())).toList();
        }

        @Override
        public void close() {
            roster.close();
        }
    }

    @Provides
    @Singleton
    IntelligenceView intelligence(RegimeBook book, RegimeCounters counters, Set<MarketDataListener> listeners) {
        ArbitrageFeed arbitrage = listeners.stream().filter(ArbitrageFeed.class::isInstance)
                .map(ArbitrageFeed.class::cast).findFirst().orElse(null);
        boolean regimes = config.intelligence().regimes().enabled();
        return new IntelligenceView() {
            @Override
            public boolean regimesEnabled() {
                return regimes;
            }

            @Override
            public int instrumentsTracked() {
                return book.size();
            }

            @Override
            public Map<String, Long> regimeChanges() {
                Map<String, Long> changes = new HashMap<>();
                for (Regime r : Regime.values()) {
                    changes.put(r.name().toLowerCase(Locale.ROOT), counters.changes(r));
                }
                return changes;
            }

            @Override
            public String regimeOf(String venue, String symbol) {
                return book.regime(venue, symbol).map(RegimeChange::regime)
                        .map(r -> r.name().toLowerCase(Locale.ROOT)).orElse(null);
            }

            @Override
            public boolean arbitrageEnabled() {
                return arbitrage != null;
            }

            @Override
            public long arbitrageSignals() {
                return arbitrage == null ? 0 : arbitrage.published();
            }
        };
    }

    private static TrafficView traffic(GatewayMetrics metrics) {
        return () -> metrics.traffic().snapshot().stream()
                .map(r -> {
                    String[] parts = r.segments();
                    return new TrafficView.TopicCount(r.topic(), parts[0], parts[1], parts[2], r.in(), r.out(),
                            r.lastInMillis(), r.lastOutMillis());
                })
                .toList();
    }

    private static GroupView groups(Backend store) {
        return new GroupView() {
            @Override
            public Map<String, Long> lag() {
                return store.consumerLag();
            }

            @Override
            public Map<String, Long> pending() {
                return store.consumerPending();
            }
        };
    }

    private static ClientView clients(ServerStats server) {
        return () -> server.streams().stream().map(s -> new ClientView.Client(s.sessionId(), s.client(), s.identity(),
                s.openedMillis(), s.published(), s.subscriptions().stream()
                .map(u -> new ClientView.Subscription(u.id(), u.patterns(), u.group(), u.credit(), u.heldMessages(),
                        u.heldBytes(), u.written(), u.redelivered(), u.lastWrittenMillis()))
                .toList())).toList();
    }

    private static LaneView lanes(DispatchStats dispatch) {
        return new LaneView() {
            @Override
            public List<Lane> lanes() {
                List<Lane> lanes = new ArrayList<>(PriorityLevels.LEVELS);
                for (int level = 0; level < PriorityLevels.LEVELS; level++) {
                    var p = PriorityLevels.priorityOf(level);
                    lanes.add(new Lane(PriorityLevels.nameOf(level), dispatch.queueDepth(p), dispatch.dispatched(p),
                            dispatch.queueingDelayNanosTotal(p), dispatch.oldestWaitNanos(p)));
                }
                return lanes;
            }

            @Override
            public int workers() {
                return dispatch.workers();
            }

            @Override
            public int busyWorkers() {
                return dispatch.busyWorkers();
            }
        };
    }

    private BackendView backend(Backend store, Readiness readiness) {
        ResilientBackend resilient = store instanceof ResilientBackend r ? r : null;
        long spoolMax = resilient == null ? 0 : config.resilience().spool().maxBytes();
        return new BackendView() {
            @Override
            public String name() {
                return store.name();
            }

            @Override
            public String notReadyReason() {
                return readiness.notReadyReason();
            }

            @Override
            public String degradedNote() {
                return readiness.degradedNote();
            }

            @Override
            public Map<String, String> breakers() {
                return store.breakerStates();
            }

            @Override
            public long spoolBytes() {
                return resilient == null ? 0 : resilient.stats().spoolBytes();
            }

            @Override
            public long spoolPending() {
                return resilient == null ? 0 : resilient.stats().spoolPending();
            }

            @Override
            public long spoolMaxBytes() {
                return spoolMax;
            }
        };
    }
}
