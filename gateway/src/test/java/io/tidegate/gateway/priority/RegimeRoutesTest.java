package io.tidegate.gateway.priority;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.config.GatewayConfig.RegimeRoute;
import io.tidegate.intelligence.regime.Regime;
import io.tidegate.proto.v1.Priority;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Regime-aware priority: a message's class moves by its instrument's regime, as the rules say. */
class RegimeRoutesTest {

    private static final Map<String, Regime> REGIMES = Map.of(
            "exec.commands.BINANCE.BTCUSDT", Regime.VOLATILE,
            "exec.commands.BINANCE.ETHUSDT", Regime.RANGING,
            "data.quotes.KRAKEN.XBTUSD", Regime.ILLIQUID,
            "data.quotes.BINANCE.BTCUSDT", Regime.VOLATILE);
    private final AtomicInteger asked = new AtomicInteger();
    private final RegimeSource source = topic -> {
        asked.incrementAndGet();
        for (Map.Entry<String, Regime> e : REGIMES.entrySet()) {
            if (topic.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    };
    private final RegimeRoutes routes = new RegimeRoutes(List.of(
            new RegimeRoute(Regime.VOLATILE, "exec.commands.>", 1, false),
            new RegimeRoute(Regime.RANGING, "exec.commands.>", -2, false),
            new RegimeRoute(Regime.ILLIQUID, "data.quotes.>", 0, true)), source);

    @Test
    void commandsOfAVolatileInstrumentMoveUpOneClass() {
        assertThat(routes.effective("exec.commands.BINANCE.BTCUSDT.order", Priority.PRIORITY_NORMAL)).isEqualTo(Priority.PRIORITY_HIGH);
        assertThat(routes.effective("exec.commands.BINANCE.BTCUSDT.order", Priority.PRIORITY_BULK)).isEqualTo(Priority.PRIORITY_LOW);
    }

    @Test
    void criticalStaysCriticalAndDownStopsAtBulk() {
        assertThat(routes.effective("exec.commands.BINANCE.BTCUSDT", Priority.PRIORITY_CRITICAL)).isEqualTo(Priority.PRIORITY_CRITICAL);
        assertThat(routes.effective("exec.commands.BINANCE.ETHUSDT", Priority.PRIORITY_LOW)).isEqualTo(Priority.PRIORITY_BULK);
    }

    @Test
    void otherTopicsAndUnknownInstrumentsKeepTheirClass() {
        assertThat(routes.effective("data.quotes.BINANCE.BTCUSDT", Priority.PRIORITY_NORMAL)).isEqualTo(Priority.PRIORITY_NORMAL);
        assertThat(routes.effective("exec.commands.OKX.SOLUSDT", Priority.PRIORITY_NORMAL)).isEqualTo(Priority.PRIORITY_NORMAL);
        assertThat(new RegimeRoutes(List.of(new RegimeRoute(Regime.VOLATILE, "exec.commands.>", 1, false)), RegimeSource.UNKNOWN)
                .effective("exec.commands.BINANCE.BTCUSDT", Priority.PRIORITY_NORMAL)).isEqualTo(Priority.PRIORITY_NORMAL);
    }

    @Test
    void theDecisionFlagsAVolatileInstrumentFromTheLookupItMadeAnyway() {
        int decision = routes.decide("exec.commands.BINANCE.BTCUSDT", Priority.PRIORITY_NORMAL);
        assertThat(decision & Prioritizer.VOLATILE).isNotZero();
        assertThat(Priority.forNumber(decision & ~Prioritizer.VOLATILE)).isEqualTo(Priority.PRIORITY_HIGH);
        assertThat(routes.decide("exec.commands.BINANCE.ETHUSDT", Priority.PRIORITY_NORMAL) & Prioritizer.VOLATILE).isZero();
        asked.set(0);
        // a VOLATILE quote is not flagged: no class-changing rule matches quotes, so nothing is looked up
        assertThat(routes.decide("data.quotes.BINANCE.BTCUSDT", Priority.PRIORITY_NORMAL)).isEqualTo(Priority.PRIORITY_NORMAL.getNumber());
        assertThat(asked).hasValue(0);
    }

    @Test
    void aConflateRuleConflatesOnlyInItsRegimeOrWhenTheRegimeIsUnknown() {
        assertThat(routes.conflatable("data.quotes.KRAKEN.XBTUSD")).isTrue();
        assertThat(routes.conflatable("data.quotes.BINANCE.BTCUSDT")).isFalse();
        assertThat(routes.conflatable("data.quotes.OKX.SOLUSDT")).isTrue();
        asked.set(0);
        assertThat(routes.conflatable("prices.BTCUSDT")).isTrue();
        assertThat(asked).hasValue(0);
    }

    @Test
    void theRegimeIsAskedOnlyForTopicsARuleMatches() {
        routes.effective("md.trades.BINANCE.BTCUSDT", Priority.PRIORITY_NORMAL);
        assertThat(asked).hasValue(0);
        routes.effective("exec.commands.BINANCE.BTCUSDT", Priority.PRIORITY_NORMAL);
        assertThat(asked).hasValue(1);
    }

    @Test
    void quotesOfAnIlliquidInstrumentConflate() {
        assertThat(routes.conflates("data.quotes.KRAKEN.XBTUSD")).isTrue();
        assertThat(routes.conflates("data.quotes.BINANCE.BTCUSDT")).isFalse();
        assertThat(routes.conflates("exec.commands.BINANCE.BTCUSDT")).isFalse();
    }
}
