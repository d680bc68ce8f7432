package io.tidegate.gateway;

import com.google.inject.Guice;
import com.google.inject.Module;
import com.google.inject.multibindings.OptionalBinder;
import io.tidegate.gateway.priority.RegimeSource;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import io.tidegate.gateway.alerting.Alerting;
import io.tidegate.gateway.arbitrage.ArbitrageFeed;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.SettingUnusableException;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.tidegate.gateway.dispatch.DispatchStats;
import io.tidegate.gateway.instruments.InstrumentRegistry;
import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.gateway.market.MarketDataTap;
import io.tidegate.gateway.regime.RegimeCounters;
import io.tidegate.gateway.regime.RegimeWatchers;
import io.tidegate.intelligence.regime.RegimeBook;
import io.tidegate.gateway.monitoring.AdminHttpServer;
import io.tidegate.gateway.monitoring.JulBridge;
import io.tidegate.gateway.monitoring.LogFormat;
import io.tidegate.gateway.server.ConflationCounter;
import io.tidegate.gateway.server.OutboundBudget;
import io.tidegate.otel.Telemetry;
import io.tidegate.gateway.server.GatewayServer;
import io.tidegate.gateway.risk.OrderRiskGate;
import io.tidegate.gateway.server.RiskGate;
import io.tidegate.gateway.security.GatewaySecurity;
import io.tidegate.gateway.tuning.TuningController;
import java.io.IOException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway in this process: what {@link Main} starts, and what tests, benchmarks and
 * applications that embed Tidegate start with one call. Close it to drain and stop.
 * Thread-safe; {@link #close} is idempotent.
 */
public final class EmbeddedGateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedGateway.class);

    private final GatewayConfig config;
    private final GatewayServer server;
    private final AdminHttpServer admin;
    private final Telemetry telemetry;
    private final DispatchStats dispatchStats;
    private final ConflationCounter conflation;
    /** Null until stopped; then whether the drain was clean. */
    private Boolean stopped;
    private final OutboundBudget outboundBudget;
    private final Set<MarketDataListener> marketData;
    private final GatewaySecurity security;
    private final RegimeBook regimeBook;
    private final RegimeCounters regimeCounters;
    private final MarketDataTap marketTap;
    private final RegimeWatchers regimeWatchers;
    private final RiskGate risk;
    private final Alerting alerting;
    private final io.tidegate.gateway.remediation.Remediation remediation;
    private final TuningController tuning;
    /** The console and the replica roster, closed with the gateway; empty when the console is off. */
    private final java.util.List<AutoCloseable> consoleParts = new java.util.ArrayList<>();

    private EmbeddedGateway(GatewayConfig config, Injector injector) {
        this.config = config;
        this.server = injector.getInstance(GatewayServer.class);
        this.admin = injector.getInstance(AdminHttpServer.class);
        this.telemetry = injector.getInstance(Telemetry.class);
        // each registers its gauges with the meter when made
        injector.getInstance(TrafficGauges.class);
        injector.getInstance(BackendGauges.class);
        injector.getInstance(RefusalGauges.class);
        injector.getInstance(MarketGauges.class);
        injector.getInstance(ConsoleGauges.class);
        this.dispatchStats = injector.getInstance(DispatchStats.class);
        this.conflation = injector.getInstance(ConflationCounter.class);
        this.outboundBudget = injector.getInstance(OutboundBudget.class);
        this.marketData = injector.getInstance(Key.get(new TypeLiteral<Set<MarketDataListener>>() { }));
        this.security = injector.getInstance(GatewaySecurity.class);
        this.regimeBook = injector.getInstance(RegimeBook.class);
        this.regimeCounters = injector.getInstance(RegimeCounters.class);
        this.marketTap = injector.getInstance(MarketDataTap.class);
        if (config.backend().type() == GatewayConfig.BackendType.REDIS) {
            // replicas share Redis: each knows every replica's listings, not only those published through it
            instrumentRegistry().followBus(injector.getInstance(io.tidegate.gateway.backend.Backend.class),
                    marketTap::runOnTapThread, config.gatewayId());
        }
        this.regimeWatchers = injector.getInstance(RegimeWatchers.class);
        this.risk = injector.getInstance(RiskGate.class);
        this.alerting = injector.getInstance(Alerting.class);
        this.remediation = injector.getInstance(io.tidegate.gateway.remediation.Remediation.class);
        this.tuning = injector.getInstance(TuningController.class);
        if (config.console().enabled() && config.http().port() >= 0) {
            consoleParts.add(injector.getInstance(io.tidegate.gateway.console.Console.class));
            if (injector.getInstance(io.tidegate.gateway.console.ReplicaView.class) instanceof AutoCloseable roster) {
                consoleParts.add(roster);
            }
        }
    }

    /** Starts a gateway with this configuration; returns once it accepts connections. */
    public static EmbeddedGateway start(GatewayConfig config) {
        return start(config, null, null, null);
    }

    /**
     * Starts a gateway whose spans go to {@code spanProcessor} instead of the configured OTLP
     * exporter (with {@code otel.enabled=true}); for tests and benchmarks.
     */
    public static EmbeddedGateway start(GatewayConfig config, SpanProcessor spanProcessor) {
        return start(config, spanProcessor, null, null);
    }

    /**
     * Starts a gateway whose regime-aware priority rules read instruments' regimes from
     * {@code regimes} instead of knowing none; for tests and embedded use.
     */
    public static EmbeddedGateway start(GatewayConfig config, RegimeSource regimes) {
        return start(config, null, regimes, null);
    }

    /**
     * Starts a gateway whose backend store is wrapped by {@code store} below its metrics and
     * spans, e.g. to emulate a backend's service time around the memory store; for benchmarks.
     */
    public static EmbeddedGateway startWithStore(GatewayConfig config, StoreDecorator store) {
        return start(config, null, null, store);
    }

    private static EmbeddedGateway start(GatewayConfig config, SpanProcessor spanProcessor, RegimeSource regimes,
                                         StoreDecorator store) {
        JulBridge.install();
        LogFormat.apply(config.otel().logFormat());
        announceExposure(config);
        Module regimeBinding = regimes == null ? binder -> { }
                : binder -> OptionalBinder.newOptionalBinder(binder, RegimeSource.class).setBinding().toInstance(regimes);
        Module storeBinding = store == null ? binder -> { }
                : binder -> OptionalBinder.newOptionalBinder(binder, StoreDecorator.class).setBinding().toInstance(store);
        EmbeddedGateway gateway = new EmbeddedGateway(config,
                Guice.createInjector(new GatewayModule(config, spanProcessor), regimeBinding, storeBinding));
        String listener = "http.host/http.port";
        try {
            gateway.admin.start();
            listener = "grpc.host/grpc.port";
            gateway.server.start();
        } catch (IOException e) {
            gateway.close();
            boolean grpc = listener.startsWith("grpc");
            String address = grpc ? config.grpc().host() + ":" + config.grpc().port()
                    : config.http().host() + ":" + config.http().port();
            throw new SettingUnusableException(listener + ": cannot listen on " + address + " ("
                    + bindFailure(e) + "); pick a free port, 0 for any free one", e);
        }
        return gateway;
    }

    /**
     * Says how exposed the listeners are: loopback only for want of TLS and authentication, or a
     * loud warning when {@code security.allow-insecure-bind} opened an unprotected one wider.
     */
    private static void announceExposure(GatewayConfig config) {
        var security = config.security();
        boolean grpcOpen = !GatewayConfig.isLoopback(config.grpc().host());
        if (!security.secure()) {
            if (grpcOpen) {
                log.warn("tidegate: WARNING: gRPC listens on {} WITHOUT {}: anyone who reaches this address can "
                        + "publish and subscribe to every topic, orders included (security.allow-insecure-bind=true); "
                        + "see docs/security.md", config.grpc().host(),
                        security.tls().enabled() ? "authentication" : security.authEnabled() ? "TLS" : "TLS AND AUTHENTICATION");
            } else {
                log.info("tidegate: no TLS and authentication configured (security.*): gRPC listens on loopback {} "
                        + "only; see docs/security.md to serve other machines", config.grpc().host());
            }
        }
        boolean adminSecured = security.tls().enabled() && config.http().auth() != GatewayConfig.AdminAuth.NONE;
        if (config.http().port() >= 0 && !adminSecured && !GatewayConfig.isLoopback(config.http().host())) {
            log.warn("tidegate: WARNING: the admin port listens on {} without {} (security.allow-insecure-bind=true)",
                    config.http().host(), security.tls().enabled() ? "http.auth" : "TLS");
        }
    }

    /** The root reason of a failed bind, e.g. "Address already in use", without exception class names. */
    private static String bindFailure(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    /** A gateway on free loopback ports with the memory backend and these overrides on top. */
    public static EmbeddedGateway startOnLoopback(String... overrides) {
        String[] all = new String[overrides.length + 3];
        all[0] = "grpc.host=127.0.0.1";
        all[1] = "grpc.port=0";
        all[2] = "http.port=-1";
        System.arraycopy(overrides, 0, all, 3, overrides.length);
        return start(GatewayConfig.defaultsWith(all));
    }

    public GatewayConfig config() {
        return config;
    }

    public int grpcPort() {
        return server.port();
    }

    /** The admin HTTP port, or -1 when disabled. */
    public int httpPort() {
        return admin.port();
    }

    /** "127.0.0.1:port"-style target for gRPC clients. */
    public String target() {
        String host = config.grpc().host();
        return (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + grpcPort();
    }

    /** The gateway's OpenTelemetry set-up (tracing off: one that records nothing). */
    public Telemetry telemetry() {
        return telemetry;
    }

    /** The ingress dispatch queues and worker pool. */
    public DispatchStats dispatchStats() {
        return dispatchStats;
    }

    /** Messages conflated subscriptions dropped as superseded. */
    public ConflationCounter conflation() {
        return conflation;
    }

    /** Bytes waiting in memory for subscriber streams, and their gateway-wide limit. */
    public OutboundBudget outboundBudget() {
        return outboundBudget;
    }

    /** The regime of every tracked instrument (empty while {@code intelligence.regime.enabled} is false). */
    public RegimeBook regimeBook() {
        return regimeBook;
    }

    /** What the regime path counted: changes, untracked and unusable messages, unpublished changes. */
    public RegimeCounters regimeCounters() {
        return regimeCounters;
    }

    /** The open WatchRegimes streams. */
    public RegimeWatchers regimeWatchers() {
        return regimeWatchers;
    }

    /** The market-data tap: its skipped and malformed counts. */
    public MarketDataTap marketTap() {
        return marketTap;
    }

    /** Alert rules, their alerts, acknowledgements and silences. */
    public Alerting alerting() {
        return alerting;
    }

    /** The adaptive tuning controller (running only with {@code tuning.enabled}). */
    public TuningController tuning() {
        return tuning;
    }

    /** Live Connect streams. */
    public int sessionCount() {
        return server.sessionCount();
    }

    /**
     * Drains (no acknowledged publish is lost) and stops; idempotent.
     *
     * @return true when the drain was clean: every publish the gateway received was answered and
     *         every stream ended within {@code shutdown.drain-timeout}
     */
    public synchronized boolean stop() {
        if (stopped == null) {
            remediation.close(); // no action on a gateway that is going away
            tuning.close();
            Thread handBack = handBackAlertingLease();
            stopped = server.drainAndStop();
            joinQuietly(handBack);
            closeMarketDataListeners();
            closeRisk();
            closeConsole();
            admin.stop();
            security.close();
            telemetry.close();
        }
        return stopped;
    }

    /**
     * Hands the alerting lease back while the streams drain, so another replica takes over at
     * once; on its own thread because a Redis that does not answer holds each of its calls for
     * their whole timeout, and the GoAway must not wait for them.
     */
    private Thread handBackAlertingLease() {
        Thread handBack = new Thread(alerting::close, "tidegate-alerting-handback");
        handBack.setDaemon(true);
        handBack.start();
        return handBack;
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The risk gate's reload and poll threads and its Redis connection stop with the gateway. */
    private void closeRisk() {
        if (risk instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LoggerFactory.getLogger(EmbeddedGateway.class).warn("closing the risk gate failed", e);
            }
        }
    }

    /** Stops announcing this replica and pushing console events. */
    private void closeConsole() {
        for (AutoCloseable part : consoleParts) {
            try {
                part.close();
            } catch (Exception e) {
                LoggerFactory.getLogger(EmbeddedGateway.class).warn("closing {} failed", part, e);
            }
        }
    }

    /** Listeners that run threads of their own (the arbitrage sweeper) stop with the gateway. */
    private void closeMarketDataListeners() {
        for (MarketDataListener listener : marketData) {
            if (listener instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LoggerFactory.getLogger(EmbeddedGateway.class).warn("closing {} failed", listener, e);
                }
            }
        }
    }

    /** The pre-trade risk gate, when {@code risk.enabled}. */
    public java.util.Optional<OrderRiskGate> riskGate() {
        return risk instanceof OrderRiskGate gate ? java.util.Optional.of(gate) : java.util.Optional.empty();
    }

    /** The arbitrage feed, when {@code intelligence.arbitrage.enabled}. */
    public java.util.Optional<ArbitrageFeed> arbitrageFeed() {
        return marketData.stream().filter(ArbitrageFeed.class::isInstance).map(ArbitrageFeed.class::cast).findFirst();
    }

    /** The instrument registry (listings from {@code data.instruments.<VENUE>}). */
    public InstrumentRegistry instrumentRegistry() {
        return marketData.stream().filter(InstrumentRegistry.class::isInstance).map(InstrumentRegistry.class::cast)
                .findFirst().orElseThrow();
    }

    /** {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }
}
