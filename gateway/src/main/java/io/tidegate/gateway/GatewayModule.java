package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.multibindings.Multibinder;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.tidegate.gateway.arbitrage.ArbitrageFeed;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.SharedHash;
import io.tidegate.gateway.backend.redis.RedisSharedHash;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.instruments.InstrumentRegistry;
import io.tidegate.gateway.instruments.InstrumentsGrpcService;
import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.gateway.market.MarketDataTap;
import io.tidegate.gateway.monitoring.Readiness;
import io.tidegate.gateway.server.ConflationCounter;
import io.tidegate.gateway.server.GatewayServer;
import io.tidegate.gateway.server.InternalPublisher;
import io.tidegate.gateway.server.MessageValidatorFactory;
import io.tidegate.gateway.server.OutboundBudget;
import io.tidegate.gateway.server.ServerStats;
import io.tidegate.gateway.telemetry.GatewayMetrics;
import io.tidegate.gateway.telemetry.GatewayTracing;
import io.tidegate.intelligence.instrument.InstrumentCatalog;
import io.tidegate.intelligence.instrument.SymbolResolver;
import jakarta.inject.Singleton;
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
        bind(ServerStats.class).to(GatewayServer.class);
        Multibinder<MarketDataListener> marketData = Multibinder.newSetBinder(binder(), MarketDataListener.class);
        marketData.addBinding().to(InstrumentRegistry.class);
        if (config.arbitrage().enabled()) {
            marketData.addBinding().to(ArbitrageFeed.class);
        }
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
    MarketDataTap marketDataTap(Set<MarketDataListener> listeners) {
        return new MarketDataTap(listeners);
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

    /**
     * The instrument registry, its listings kept in the Redis hash {@code <key-prefix>:instruments}
     * with the Redis backend (connected in the background, so a Redis outage does not hold up the
     * start), in memory only with the memory backend.
     */
    @Provides
    @Singleton
    InstrumentRegistry instrumentRegistry() {
        SharedHash store = config.backend().type() == GatewayConfig.BackendType.REDIS
                ? new RedisSharedHash(config.backend().redis(), "instruments",
                        // a listing and its learned aliases per listing kept at most
                        (int) Math.min(Integer.MAX_VALUE, 3L * config.instruments().maxListings())) : SharedHash.none();
        return new InstrumentRegistry(
                new InstrumentCatalog(SymbolResolver.withVenueRules(), config.instruments().maxListings()), store);
    }

    @Provides
    @Singleton
    GatewayServer server(Backend backend, IngressDispatcher dispatcher, MessageValidatorFactory validators,
                         Readiness readiness, GatewayTracing tracing, GatewayMetrics metrics,
                         ConflationCounter conflation, OutboundBudget outboundBudget, MarketDataTap marketData,
                         InstrumentRegistry instruments) {
        var settings = new GatewayServer.Settings(config.gatewayId(), config.grpc(), config.limits(), config.delivery(),
                config.dedupWindow(), config.resilience().clientLimits(), config.drainTimeout());
        return new GatewayServer(settings, backend, dispatcher, validators, readiness, tracing, metrics, conflation,
                outboundBudget, marketData, java.util.List.of(new InstrumentsGrpcService(instruments.catalog())),
                instruments);
    }
}
