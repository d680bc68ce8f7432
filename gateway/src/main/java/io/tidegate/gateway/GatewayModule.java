package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.multibindings.Multibinder;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.tidegate.otel.Telemetry;
import io.tidegate.gateway.arbitrage.ArbitrageFeed;
import io.tidegate.gateway.book.BookKeeper;
import io.tidegate.gateway.book.BooksGrpcService;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.priority.LanePolicies;
import io.tidegate.gateway.priority.RegimeRoutes;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tidegate.gateway.config.SettingUnusableException;
import io.tidegate.gateway.market.BookTopListener;
import io.tidegate.gateway.market.InstrumentDirectory;
import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.gateway.market.MarketDataTap;
import io.tidegate.gateway.monitoring.AdminHttpServer;
import io.tidegate.gateway.monitoring.AdminRoute;
import io.tidegate.gateway.monitoring.HealthView;
import io.tidegate.gateway.monitoring.Readiness;
import io.tidegate.gateway.monitoring.ReadinessCondition;
import io.tidegate.gateway.security.GatewaySecurity;
import java.time.Clock;
import io.tidegate.gateway.risk.RiskRefusals;
import io.tidegate.gateway.server.AttachedService;
import io.tidegate.gateway.server.ConflationCounter;
import io.tidegate.gateway.server.RiskGate;
import io.tidegate.gateway.server.GatewayServer;
import io.tidegate.gateway.server.InternalPublisher;
import io.tidegate.gateway.server.MessageValidatorFactory;
import io.tidegate.gateway.server.OutboundBudget;
import io.tidegate.gateway.server.ReadAhead;
import io.tidegate.gateway.server.ServerStats;
import io.tidegate.gateway.telemetry.GatewayMetrics;
import io.tidegate.gateway.telemetry.GatewayTracing;
import io.tidegate.intelligence.instrument.SymbolResolver;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Set;

/**
 * The composition root: the whole gateway (configuration, backend stack, dispatch, server and
 * telemetry) is wired here and only here; no other package knows Guice or stacks decorators.
 */
public final class GatewayModule extends AbstractModule {

    private final GatewayConfig config;
    private final SpanProcessor spanProcessor;

    public GatewayModule(GatewayConfig config) {
        this(config, null);
    }

    /**
     * @param spanProcessor where spans go instead of the configured OTLP exporter (tests,
     *                      benchmarks); null for OTLP
     */
    public GatewayModule(GatewayConfig config, SpanProcessor spanProcessor) {
        this.config = config;
        this.spanProcessor = spanProcessor;
    }

    @Override
    protected void configure() {
        bind(GatewayConfig.class).toInstance(config);
        install(new BackendStackModule());
        install(new DispatchModule());
        install(new TelemetryModule(spanProcessor));
        install(new IntelligenceModule(config.intelligence()));
        install(new InstrumentsModule(config.intelligence().instruments(), config.backend()));
        install(new AlertingModule());
        install(new ConsoleModule(config));
        install(new RemediationModule(config.remediation()));
        install(new TuningModule());
        bind(ServerStats.class).to(GatewayServer.class);
        Multibinder<MarketDataListener> marketData = Multibinder.newSetBinder(binder(), MarketDataListener.class);
        // Features add admin pages and actions with Multibinder.newSetBinder(binder(), AdminRoute.class).
        Multibinder.newSetBinder(binder(), AdminRoute.class);
        // Features that must be ready before traffic (beside the backend) add a ReadinessCondition.
        Multibinder.newSetBinder(binder(), ReadinessCondition.class);
        if (config.arbitrage().enabled()) {
            marketData.addBinding().to(ArbitrageFeed.class);
        }
        if (config.intelligence().books().enabled()) {
            marketData.addBinding().to(BookKeeper.class);
        }
        // Features serve more gRPC services beside GatewayService with Multibinder<AttachedService>.
        // BooksService is served with books off too: it then names the setting that turns them on.
        Multibinder.newSetBinder(binder(), AttachedService.class).addBinding().to(BooksGrpcService.class);
        if (config.risk().enabled()) {
            install(new RiskModule(config));
        } else {
            bind(RiskGate.class).toInstance(RiskGate.OFF);
        }
    }

    @Provides
    @Singleton
    RiskRefusals riskRefusals() {
        return new RiskRefusals();
    }

    // Each component receives its own slice of the configuration, never the whole of it.

    @Provides
    GatewayConfig.Limits limits() {
        return config.limits();
    }

    @Provides
    GatewayConfig.Delivery delivery() {
        return config.delivery();
    }

    @Provides
    GatewayConfig.Http http() {
        return config.http();
    }

    @Provides
    GatewayConfig.Otel otel() {
        return config.otel();
    }

    @Provides
    @Singleton
    InternalPublisher internalPublisher(MessageValidatorFactory validators, IngressDispatcher dispatcher,
                                        GatewayTracing tracing) {
        return new InternalPublisher(validators, dispatcher, tracing);
    }

    @Provides
    @Singleton
    ArbitrageFeed arbitrageFeed(InternalPublisher publisher) {
        return new ArbitrageFeed(config.arbitrage(), SymbolResolver.withVenueRules(), publisher::publish,
                config.gatewayId());
    }

    /** The books; their tops go to the arbitrage detector when it is on. */
    @Provides
    @Singleton
    BookKeeper bookKeeper(com.google.inject.Provider<ArbitrageFeed> arbitrage) {
        GatewayConfig.Books books = config.intelligence().books();
        BookTopListener tops = config.arbitrage().enabled() ? arbitrage.get() : BookTopListener.none();
        return new BookKeeper(books.maxBooks(), books.maxDepth(), tops);
    }

    @Provides
    @Singleton
    BooksGrpcService booksService(com.google.inject.Provider<BookKeeper> keeper) {
        GatewayConfig.Books books = config.intelligence().books();
        return new BooksGrpcService(books.enabled() ? keeper.get() : null, books.maxDepth(), books.enabled());
    }

    @Provides
    @Singleton
    GatewayServer server(Backend backend, IngressDispatcher dispatcher, MessageValidatorFactory validators,
                         Readiness readiness, GatewayTracing tracing, GatewayMetrics metrics,
                         ConflationCounter conflation, OutboundBudget outboundBudget, ReadAhead readAhead,
                         MarketDataTap marketData, GatewaySecurity security, LanePolicies lanePolicies,
                         RegimeRoutes regimeRoutes,
                         Set<AttachedService> attached, InstrumentDirectory instruments,
                         @com.google.inject.name.Named(RemediationModule.PUBLISH_GATE) RiskGate risk,
                         Telemetry telemetry) {
        var settings = new GatewayServer.Settings(config.gatewayId(), config.grpc(), config.limits(), config.delivery(),
                config.dedupWindow(), config.resilience().clientLimits(), config.drainTimeout());
        var features = new GatewayServer.Features(marketData, lanePolicies, regimeRoutes::conflatable,
                List.copyOf(attached), instruments, risk);
        GatewayServer server = new GatewayServer(settings, backend, dispatcher, validators, readiness, tracing, metrics,
                conflation, outboundBudget, readAhead, security, features);
        if (config.otel().metricsEnabled()) {
            // grpc-java's own call metrics (grpc.server.call.*: started, duration, message sizes per method and status)
            GrpcOpenTelemetry grpcMetrics = GrpcOpenTelemetry.newBuilder().sdk(telemetry).build();
            server.instrumentWith(grpcMetrics::configureServerBuilder);
        }
        return server;
    }

    /**
     * TLS, authentication and the admin guard. A certificate, key or JWKS file that cannot be used
     * is a setting the machine refuses: start-up stops naming its key (exit 3).
     */
    @Provides
    @Singleton
    GatewaySecurity security() {
        try {
            return GatewaySecurity.start(config.security(), config.http(), Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            throw new SettingUnusableException(e.getMessage(), e);
        }
    }

    @Provides
    @Singleton
    AdminHttpServer admin(Readiness readiness, PrometheusRegistry metrics, GatewaySecurity security,
                          Set<AdminRoute> routes, HealthView health) {
        return new AdminHttpServer(config.http(), config.otel(), readiness, metrics, security.adminHttps(),
                security.adminAccess(), routes, health);
    }
}
