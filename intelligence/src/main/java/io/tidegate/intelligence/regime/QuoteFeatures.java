package io.tidegate.intelligence.regime;

/**
 * Online features of one instrument's quotes in event time, and the slow normals they are measured
 * against: log-returns of the mid over a rolling window (drift t-statistic, realised volatility),
 * the relative spread, the quote gap and the top-of-book size, each raw (the latest quote) and smoothed.
 * O(1) per quote, no allocation after construction.
 *
 * <p>Normals learn at 1/n during the warm-up, then at the slow rate only while the owner says the
 * market is normal for that feature ({@code learnVolatility}, {@code learnBook}); otherwise at 1/100 of
 * it, so an abnormal regime does not become the normal quickly, yet a permanent change is absorbed in time.
 *
 * <p>Not thread-safe: one writer per instrument.
 */
final class QuoteFeatures {
    private static final double TINY = 1e-12;
    private static final double LEAK = 0.01;
    private static final int RECOMPUTE_EVERY = 4096;

    private final int window;
    private final int warmup;
    private final double slowAlpha;
    private final double fastAlpha;

    private final double[] returns;
    private int ringPos;
    private int ringCount;
    private double sum;
    private double sumSq;
    private int sinceRecompute;

    private long quotes;
    private long lastQuoteTs;
    private double lastMid;

    private double ret;
    private boolean returnValid;
    private double gap;
    private boolean gapValid;
    private double lnSpread;
    private boolean spreadValid;
    private double lnSize;
    private boolean sizeValid;

    private double fastLnSpread;
    private double fastGap;
    private double fastLnSize;

    private double normVar;
    private double normLnSpread;
    private double normLnSpreadVar;
    private double normGap;
    private double normLnSize;
    private double normLnSizeVar;
    private long spreadSamples;
    private long gapSamples;
    private long sizeSamples;
    private long returnSamples;

    QuoteFeatures(RegimeSettings settings) {
        this.window = settings.window();
        this.warmup = settings.warmupQuotes();
        this.slowAlpha = RegimeSettings.alpha(settings.normalHalfLife());
        this.fastAlpha = RegimeSettings.alpha(settings.fastHalfLife());
        this.returns = new double[window];
    }

    /**
     * Takes one quote. A quote without a positive mid is ignored (returns false); a crossed or locked book
     * gives no spread evidence, an empty top gives no size evidence, a ts_event earlier than the previous
     * one counts as a gap of zero.
     */
    boolean onQuote(long tsEvent, double bid, double ask, double bidSize, double askSize,
                    boolean learnVolatility, boolean learnBook) {
        double mid = 0.5 * (bid + ask);
        if (!(mid > 0) || Double.isInfinite(mid)) {
            return false;
        }
        boolean first = quotes == 0;
        quotes++;
        returnValid = !first;
        ret = first ? 0 : Math.log(mid / lastMid);
        gapValid = !first;
        gap = first ? 0 : Math.max(0, tsEvent - lastQuoteTs);
        double spread = (ask - bid) / mid;
        spreadValid = spread > 0;
        lnSpread = spreadValid ? Math.log(spread) : 0;
        double top = bidSize + askSize;
        sizeValid = top > 0 && !Double.isInfinite(top);
        lnSize = sizeValid ? Math.log(top) : 0;
        lastMid = mid;
        lastQuoteTs = first ? tsEvent : Math.max(lastQuoteTs, tsEvent);

        if (returnValid) {
            pushReturn(ret);
        }
        updateFast();
        updateNormals(learnVolatility, learnBook);
        return true;
    }

    private void pushReturn(double r) {
        if (ringCount == window) {
            double old = returns[ringPos];
            sum -= old;
            sumSq -= old * old;
        } else {
            ringCount++;
        }
        returns[ringPos] = r;
        sum += r;
        sumSq += r * r;
        ringPos = ringPos + 1 == window ? 0 : ringPos + 1;
        if (++sinceRecompute == RECOMPUTE_EVERY) {
            recomputeWindow();
        }
    }

    /** Adding and removing leaves rounding residue behind; summing afresh now and then keeps it bounded. */
    private void recomputeWindow() {
        sinceRecompute = 0;
        double s = 0;
        double s2 = 0;
        for (int i = 0; i < ringCount; i++) {
            s += returns[i];
            s2 += returns[i] * returns[i];
        }
        sum = s;
        sumSq = s2;
    }

    private void updateFast() {
        if (spreadValid) {
            fastLnSpread = spreadSamples == 0 ? lnSpread : fastLnSpread + fastAlpha * (lnSpread - fastLnSpread);
        }
        if (gapValid) {
            fastGap = gapSamples == 0 ? gap : fastGap + fastAlpha * (gap - fastGap);
        }
        if (sizeValid) {
            fastLnSize = sizeSamples == 0 ? lnSize : fastLnSize + fastAlpha * (lnSize - fastLnSize);
        }
    }

    private void updateNormals(boolean learnVolatility, boolean learnBook) {
        boolean warming = quotes <= warmup;
        if (returnValid) {
            returnSamples++;
            double a = rate(warming, learnVolatility, returnSamples);
            double r2 = ret * ret;
            if (returnSamples > 1 && normVar > 0) {
                r2 = Math.min(r2, 25 * normVar); // one jump must not move the normal much
            }
            normVar += a * (r2 - normVar);
        }
        if (spreadValid) {
            spreadSamples++;
            double a = rate(warming, learnBook, spreadSamples);
            double d = lnSpread - normLnSpread;
            normLnSpread += a * d;
            normLnSpreadVar += a * (d * d - normLnSpreadVar);
        }
        if (gapValid) {
            gapSamples++;
            normGap += rate(warming, learnBook, gapSamples) * (gap - normGap);
        }
        if (sizeValid) {
            sizeSamples++;
            double a = rate(warming, learnBook, sizeSamples);
            double d = lnSize - normLnSize;
            normLnSize += a * d;
            normLnSizeVar += a * (d * d - normLnSizeVar);
        }
    }

    private double rate(boolean warming, boolean learn, long samples) {
        if (warming) {
            return Math.max(1.0 / samples, slowAlpha);
        }
        return learn ? slowAlpha : slowAlpha * LEAK;
    }

    /** True once the instrument has seen its warm-up quotes. */
    boolean warmedUp() {
        return quotes > warmup;
    }

    long quotes() {
        return quotes;
    }

    long lastQuoteTs() {
        return lastQuoteTs;
    }

    double lastReturn() {
        return ret;
    }

    boolean returnValid() {
        return returnValid;
    }

    double gap() {
        return gap;
    }

    boolean gapValid() {
        return gapValid;
    }

    boolean spreadValid() {
        return spreadValid;
    }

    boolean sizeValid() {
        return sizeValid;
    }

    /** ln(this quote's spread / normal spread). */
    double lnSpreadRatio() {
        return lnSpread - normLnSpread;
    }

    /** ln(this quote's top size / normal top size). */
    double lnSizeRatio() {
        return lnSize - normLnSize;
    }

    double spreadNoise() {
        return Math.sqrt(normLnSpreadVar);
    }

    double sizeNoise() {
        return Math.sqrt(normLnSizeVar);
    }

    double normalSigma() {
        return Math.sqrt(Math.max(normVar, TINY * TINY));
    }

    double normalGap() {
        return normGap;
    }

    /** The standard deviation of the window's returns about the window's mean (its noise). */
    double windowSigma() {
        if (ringCount < 2) {
            return normalSigma();
        }
        double mean = sum / ringCount;
        double var = (sumSq - ringCount * mean * mean) / (ringCount - 1);
        return Math.sqrt(Math.max(var, TINY * TINY));
    }

    /** The window's move over its noise: sum of returns / (sigma * sqrt(n)); 0 until half the window is filled. */
    double driftT() {
        if (ringCount < window / 2) {
            return 0;
        }
        return sum / (windowSigma() * Math.sqrt(ringCount));
    }

    double volatilityRatio() {
        return ringCount < window / 2 ? 1 : windowSigma() / normalSigma();
    }

    double spreadRatio() {
        return spreadSamples == 0 ? 1 : Math.exp(fastLnSpread - normLnSpread);
    }

    double quoteRateRatio() {
        return gapSamples == 0 || fastGap <= 0 ? 1 : normGap / fastGap;
    }

    double topSizeRatio() {
        return sizeSamples == 0 ? 1 : Math.exp(fastLnSize - normLnSize);
    }

    /** The smoothed features as a value, for a {@link RegimeChange} (allocates: call on a change only). */
    RegimeFeatures snapshot() {
        return new RegimeFeatures(volatilityRatio(), spreadRatio(), quoteRateRatio(), topSizeRatio(), driftT());
    }
}
