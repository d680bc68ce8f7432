package io.tidegate.intelligence.regime;

/**
 * The regime detector: an online forward filter (a hidden Markov model with sticky transitions) over seven
 * hidden states (ranging, trending up, trending down, volatile, and illiquid by spread, by quote rate or by
 * top size), fed per event with log-likelihood ratios of each feature tested at its definition threshold.
 *
 * <p>Evidence per quote, each a log-likelihood ratio "abnormal vs normal" whose expectation is zero exactly
 * at the threshold of {@link Regime}'s definitions (c = 2 sets how sharp the two hypotheses are):
 * <ul>
 *   <li>volatility: ln(c&sup2;)&middot;(r&sup2;/(3&sigma;)&sup2; &minus; 1), r the mid log-return, &sigma; the normal;</li>
 *   <li>drift: Gaussian mean shift &plusmn;&mu; vs 0 at the window's noise &sigma;<sub>w</sub>, with
 *       &mu; = 2&middot;3&sigma;<sub>w</sub>/&radic;W, so a drift of 3&sigma;<sub>w</sub>/&radic;W per quote is neutral;</li>
 *   <li>spread and top size: Gaussian in log space, means ln(5)&plusmn;ln(c) (ln(1/5) for size), the noise learned;</li>
 *   <li>quote rate: exponential gaps, ln(c&sup2;)&middot;(gap/(5&middot;normal gap) &minus; 1); between quotes, trades
 *       add the survival part of an overdue gap.</li>
 * </ul>
 * A state's emission is the sum of its features' ratios; volatile and illiquid states take the best of the
 * drift hypotheses and illiquid states the better of the volatility ones, which gives the definitions'
 * precedence. Each ratio is capped ({@link RegimeSettings#evidenceClip()}) and weighted
 * ({@link RegimeSettings#evidenceWeight()}) because real events are fat-tailed and not independent.
 *
 * <p>Hysteresis: the filter stays in a state with probability 1 &minus; 1/{@link RegimeSettings#expectedDwell()}
 * per event, and the published regime switches only when another regime's posterior reaches
 * {@link RegimeSettings#enterProbability()}.
 *
 * <p>O(1) per message, no allocation. Not thread-safe: one writer per instrument.
 */
public final class RegimeDetector implements RegimeClassifier {
    private static final int RANGING = 0;
    private static final int UP = 1;
    private static final int DOWN = 2;
    private static final int VOLATILE = 3;
    private static final int ILLIQUID_SPREAD = 4;
    private static final int ILLIQUID_RATE = 5;
    private static final int ILLIQUID_SIZE = 6;
    private static final int STATES = 7;
    private static final double LN_C = Math.log(2);
    private static final double LN_C2 = 2 * LN_C;
    private static final double MIN_LOG_NOISE = 0.25;
    private static final double LN_SPREAD_PIVOT = Math.log(RegimeSettings.ILLIQUID_SPREAD_RATIO);
    private static final double LN_SIZE_PIVOT = Math.log(RegimeSettings.ILLIQUID_SIZE_RATIO);

    private final QuoteFeatures features;
    private final double[] posterior = new double[STATES];
    private final double[] emission = new double[STATES];
    private final double stay;
    private final double move;
    private final double weight;
    private final double clip;
    private final double enter;
    private final double trendMuPerSigma;

    private long lastEvidenceTs;
    private Regime regime = Regime.RANGING;
    private double confidence;

    public RegimeDetector(RegimeSettings settings) {
        this.features = new QuoteFeatures(settings);
        double leave = 1 / settings.expectedDwell();
        this.stay = 1 - leave;
        this.move = leave / (STATES - 1);
        this.weight = settings.evidenceWeight();
        this.clip = settings.evidenceClip();
        this.enter = settings.enterProbability();
        this.trendMuPerSigma = 2 * RegimeSettings.TREND_T / Math.sqrt(settings.window());
        posterior[RANGING] = 1;
    }

    @Override
    public boolean onQuote(long tsEventNanos, double bidPrice, double askPrice, double bidSize, double askSize) {
        boolean normal = regime == Regime.RANGING;
        boolean bookNormal = normal || regime == Regime.TRENDING_UP || regime == Regime.TRENDING_DOWN;
        if (!features.onQuote(tsEventNanos, bidPrice, askPrice, bidSize, askSize, normal, bookNormal)) {
            return false;
        }
        long since = lastEvidenceTs;
        lastEvidenceTs = features.lastQuoteTs();
        if (!features.warmedUp()) {
            return false;
        }
        QuoteFeatures f = features;
        double up = 0;
        double down = 0;
        double vol = 0;
        if (f.returnValid()) {
            double sigmaN = f.normalSigma();
            double sigmaW = Math.max(f.windowSigma(), 0.5 * sigmaN);
            double mu = trendMuPerSigma * sigmaW;
            double r = f.lastReturn();
            double half = 0.5 * mu * mu;
            up = capped((mu * r - half) / (sigmaW * sigmaW));
            down = capped((-mu * r - half) / (sigmaW * sigmaW));
            double z = r / (RegimeSettings.VOLATILE_RATIO * sigmaN);
            vol = capped(LN_C2 * (z * z - 1));
        }
        double spread = f.spreadValid()
                ? capped(logNormalRatio(f.lnSpreadRatio() - LN_SPREAD_PIVOT, f.spreadNoise())) : 0;
        double size = f.sizeValid()
                ? capped(logNormalRatio(LN_SIZE_PIVOT - f.lnSizeRatio(), f.sizeNoise())) : 0;
        double rate = f.gapValid() ? capped(gapRatio(tsEventNanos - since) - LN_C2) : 0;

        double anyDrift = Math.max(0, Math.max(up, down));
        double illiquidRest = Math.max(0, vol) + anyDrift;
        emission[RANGING] = 0;
        emission[UP] = up;
        emission[DOWN] = down;
        emission[VOLATILE] = vol + anyDrift;
        emission[ILLIQUID_SPREAD] = spread + illiquidRest;
        emission[ILLIQUID_RATE] = rate + illiquidRest;
        emission[ILLIQUID_SIZE] = size + illiquidRest;
        return step();
    }

    @Override
    public boolean onTrade(long tsEventNanos, double price, double size) {
        if (!features.warmedUp()) {
            return false;
        }
        double pivot = pivotGap();
        if (!(pivot > 0) || tsEventNanos - features.lastQuoteTs() <= pivot || tsEventNanos <= lastEvidenceTs) {
            return false;
        }
        // survival of the gap so far: the quote, when it comes, adds the rest of its ratio
        double rate = capped(gapRatio(tsEventNanos - lastEvidenceTs));
        lastEvidenceTs = tsEventNanos;
        java.util.Arrays.fill(emission, 0);
        emission[ILLIQUID_RATE] = rate;
        return step();
    }

    private double pivotGap() {
        return features.normalGap() / RegimeSettings.ILLIQUID_RATE_RATIO;
    }

    /** ln(c^2) * gap / pivot gap: the exponential-gap ratio without its per-quote constant. */
    private double gapRatio(double gapNanos) {
        double pivot = pivotGap();
        return pivot > 0 ? LN_C2 * Math.max(0, gapNanos) / pivot : 0;
    }

    /** Log-likelihood ratio of N(+ln c, s^2) vs N(-ln c, s^2) at x (x measured from the pivot). */
    private static double logNormalRatio(double x, double noise) {
        double s = Math.max(noise, MIN_LOG_NOISE);
        return 2 * LN_C * x / (s * s);
    }

    private double capped(double x) {
        return x > clip ? clip : (x < -clip ? -clip : x);
    }

    private boolean step() {
        double max = emission[0];
        for (int j = 1; j < STATES; j++) {
            max = Math.max(max, emission[j]);
        }
        double total = 0;
        for (int j = 0; j < STATES; j++) {
            double p = posterior[j];
            double predicted = stay * p + move * (1 - p);
            double w = predicted * Math.exp(weight * (emission[j] - max));
            posterior[j] = w;
            total += w;
        }
        for (int j = 0; j < STATES; j++) {
            posterior[j] /= total;
        }
        return decide();
    }

    private boolean decide() {
        int best = RANGING;
        double bestP = -1;
        for (int k = 0; k < Regime.count(); k++) {
            double p = labelProbability(Regime.of(k));
            if (p > bestP) {
                bestP = p;
                best = k;
            }
        }
        Regime candidate = Regime.of(best);
        boolean changed = candidate != regime && bestP >= enter;
        if (changed) {
            regime = candidate;
        }
        confidence = labelProbability(regime);
        return changed;
    }

    /** The posterior probability of a regime (the illiquid sub-states summed). */
    double labelProbability(Regime r) {
        return switch (r) {
            case RANGING -> posterior[RANGING];
            case TRENDING_UP -> posterior[UP];
            case TRENDING_DOWN -> posterior[DOWN];
            case VOLATILE -> posterior[VOLATILE];
            case ILLIQUID -> posterior[ILLIQUID_SPREAD] + posterior[ILLIQUID_RATE] + posterior[ILLIQUID_SIZE];
        };
    }

    @Override
    public Regime regime() {
        return regime;
    }

    @Override
    public double confidence() {
        return confidence;
    }

    @Override
    public RegimeFeatures features() {
        return features.snapshot();
    }
}
