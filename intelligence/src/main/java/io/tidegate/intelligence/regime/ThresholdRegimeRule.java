package io.tidegate.intelligence.regime;

/**
 * The baseline: the regime definitions applied as plain thresholds to the smoothed features of each quote,
 * with no state beyond the features (no hysteresis, no memory of the previous decision). The
 * {@link RegimeDetector} must beat it. Quotes only: trades are ignored.
 *
 * <p>Not thread-safe: one writer per instrument.
 */
public final class ThresholdRegimeRule implements RegimeClassifier {
    private final QuoteFeatures features;
    private Regime regime = Regime.RANGING;

    public ThresholdRegimeRule(RegimeSettings settings) {
        this.features = new QuoteFeatures(settings);
    }

    @Override
    public boolean onQuote(long tsEventNanos, double bidPrice, double askPrice, double bidSize, double askSize) {
        boolean normal = regime == Regime.RANGING;
        boolean bookNormal = normal || regime == Regime.TRENDING_UP || regime == Regime.TRENDING_DOWN;
        if (!features.onQuote(tsEventNanos, bidPrice, askPrice, bidSize, askSize, normal, bookNormal)
                || !features.warmedUp()) {
            return false;
        }
        Regime next = classify(features);
        boolean changed = next != regime;
        regime = next;
        return changed;
    }

    static Regime classify(QuoteFeatures f) {
        if (f.spreadRatio() >= RegimeSettings.ILLIQUID_SPREAD_RATIO
                || f.quoteRateRatio() <= RegimeSettings.ILLIQUID_RATE_RATIO
                || f.topSizeRatio() <= RegimeSettings.ILLIQUID_SIZE_RATIO) {
            return Regime.ILLIQUID;
        }
        if (f.volatilityRatio() >= RegimeSettings.VOLATILE_RATIO) {
            return Regime.VOLATILE;
        }
        double t = f.driftT();
        if (t >= RegimeSettings.TREND_T) {
            return Regime.TRENDING_UP;
        }
        if (t <= -RegimeSettings.TREND_T) {
            return Regime.TRENDING_DOWN;
        }
        return Regime.RANGING;
    }

    @Override
    public boolean onTrade(long tsEventNanos, double price, double size) {
        return false;
    }

    @Override
    public Regime regime() {
        return regime;
    }

    @Override
    public double confidence() {
        return features.warmedUp() ? 1 : 0;
    }

    @Override
    public RegimeFeatures features() {
        return features.snapshot();
    }
}
