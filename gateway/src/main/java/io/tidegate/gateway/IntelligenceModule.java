package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.multibindings.Multibinder;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.gateway.market.MarketDataTap;
import io.tidegate.gateway.regime.IntelligenceGrpcService;
import io.tidegate.gateway.regime.RegimeCounters;
import io.tidegate.gateway.regime.RegimeFeed;
import io.tidegate.gateway.regime.RegimePublisher;
import io.tidegate.gateway.regime.RegimeWatchers;
import io.tidegate.gateway.server.AttachedService;
import io.tidegate.intelligence.regime.RegimeBook;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Set;

/**
 * Wires the market-data tap and what listens to it. The listeners are a Guice set
 * ({@code Multibinder<MarketDataListener>}): another module adds its own with
 * {@code Multibinder.newSetBinder(binder(), MarketDataListener.class).addBinding()}; gRPC services
 * served beside the gateway's join the {@code Multibinder<AttachedService>} the same way. The {@link RegimeBook}
 * is a singleton bound always (never fed while {@code intelligence.regime.enabled} is false, so it then
 * answers empty), for whatever else in the gateway asks an instrument's regime.
 */
final class IntelligenceModule extends AbstractModule {

    private final GatewayConfig.Intelligence config;

    IntelligenceModule(GatewayConfig.Intelligence config) {
        this.config = config;
    }

    @Override
    protected void configure() {
        Multibinder<MarketDataListener> listeners = Multibinder.newSetBinder(binder(), MarketDataListener.class);
        if (config.regimes().enabled()) {
            listeners.addBinding().to(RegimeFeed.class);
        }
        // served even with regimes off: it then tells callers the setting that turns them on
        Multibinder.newSetBinder(binder(), AttachedService.class).addBinding().to(IntelligenceGrpcService.class);
    }

    @Provides
    @Singleton
    MarketDataTap tap(Set<MarketDataListener> listeners) {
        return new MarketDataTap(listeners, config.tapQueueCapacity());
    }

    @Provides
    @Singleton
    RegimeCounters regimeCounters() {
        return new RegimeCounters();
    }

    @Provides
    @Singleton
    RegimeWatchers regimeWatchers() {
        return new RegimeWatchers(config.regimes().watchBuffer());
    }

    @Provides
    @Singleton
    RegimePublisher regimePublisher(GatewayConfig whole, IngressDispatcher dispatcher, RegimeWatchers watchers,
                                    RegimeCounters counters) {
        return new RegimePublisher(whole.gatewayId(), dispatcher, watchers, counters, whole.limits().maxTopicLength(),
                Clock.systemUTC());
    }

    @Provides
    @Singleton
    RegimeBook regimeBook(RegimePublisher publisher) {
        return RegimeBook.ofDetectors(config.regimes().maxInstruments(), publisher);
    }

    @Provides
    @Singleton
    RegimeFeed regimeFeed(RegimeBook book, RegimeCounters counters) {
        return new RegimeFeed(book, config.regimes().maxInstruments(), counters);
    }

    @Provides
    @Singleton
    IntelligenceGrpcService intelligenceService(RegimeBook book, RegimeWatchers watchers) {
        return new IntelligenceGrpcService(book, watchers, config.regimes().enabled());
    }
}
