package io.tidegate.gateway.regime;

import io.tidegate.intelligence.regime.RegimeChange;
import io.tidegate.intelligence.regime.RegimeFeatures;
import io.tidegate.proto.market.v1.Regime;

/** Turns the detector's {@link RegimeChange} into its wire form, {@code tidegate.market.v1.RegimeChange}. Stateless. */
final class RegimeWire {

    private RegimeWire() {
    }

    static io.tidegate.proto.market.v1.RegimeChange toProto(RegimeChange c) {
        RegimeFeatures f = c.features();
        return io.tidegate.proto.market.v1.RegimeChange.newBuilder()
                .setVenue(c.venue())
                .setSymbol(c.symbol())
                .setRegime(toProto(c.regime()))
                .setConfidence(c.confidence())
                .setSinceTsEvent(c.sinceTsEvent())
                .setFeatures(io.tidegate.proto.market.v1.RegimeFeatures.newBuilder()
                        .setVolatilityRatio(f.volatilityRatio())
                        .setSpreadRatio(f.spreadRatio())
                        .setQuoteRateRatio(f.quoteRateRatio())
                        .setTopSizeRatio(f.topSizeRatio())
                        .setDriftT(f.driftT()))
                .build();
    }

    static Regime toProto(io.tidegate.intelligence.regime.Regime r) {
        return switch (r) {
            case TRENDING_UP -> Regime.REGIME_TRENDING_UP;
            case TRENDING_DOWN -> Regime.REGIME_TRENDING_DOWN;
            case RANGING -> Regime.REGIME_RANGING;
            case VOLATILE -> Regime.REGIME_VOLATILE;
            case ILLIQUID -> Regime.REGIME_ILLIQUID;
        };
    }
}
