package io.tidegate.intelligence.regime;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Builds quote series segment by segment with chosen multipliers of an instrument's normal (Gaussian noise). */
final class ConstructedSeries {
    private final InstrumentProfile profile;
    private final SplittableRandom rnd;
    private long[] ts = new long[1024];
    private double[] bid = new double[1024];
    private double[] ask = new double[1024];
    private double[] bidSize = new double[1024];
    private double[] askSize = new double[1024];
    private int n;
    private long now = 1_000_000_000_000L;
    private double logMid;

    ConstructedSeries(InstrumentProfile profile, long seed) {
        this.profile = profile;
        this.rnd = new SplittableRandom(seed);
        this.logMid = Math.log(profile.price());
    }

    ConstructedSeries normal(int quotes) {
        return segment(quotes, 0, 1, 1, 1, 1);
    }

    /** drift in normal sigmas per quote; the rest multipliers of normal. */
    ConstructedSeries segment(int quotes, double drift, double vol, double spread, double rate, double size) {
        for (int k = 0; k < quotes; k++) {
            if (n == ts.length) {
                grow();
            }
            if (n > 0) {
                now += Math.max(1, Math.round(-Math.log(1 - rnd.nextDouble()) * profile.meanGapNanos() / rate));
                logMid += profile.sigma() * (drift + vol * rnd.nextGaussian());
            }
            double mid = Math.exp(logMid);
            double half = 0.5 * mid * profile.spread() * spread * Math.exp(0.3 * rnd.nextGaussian());
            ts[n] = now;
            bid[n] = mid - half;
            ask[n] = mid + half;
            bidSize[n] = 0.5 * profile.topSize() * size * Math.exp(0.5 * rnd.nextGaussian());
            askSize[n] = 0.5 * profile.topSize() * size * Math.exp(0.5 * rnd.nextGaussian());
            n++;
        }
        return this;
    }

    private void grow() {
        ts = Arrays.copyOf(ts, n * 2);
        bid = Arrays.copyOf(bid, n * 2);
        ask = Arrays.copyOf(ask, n * 2);
        bidSize = Arrays.copyOf(bidSize, n * 2);
        askSize = Arrays.copyOf(askSize, n * 2);
    }

    int size() {
        return n;
    }

    long ts(int i) {
        return ts[i];
    }

    /** Feeds every quote; returns the regime after each. */
    Regime[] feed(RegimeClassifier c) {
        Regime[] out = new Regime[n];
        for (int i = 0; i < n; i++) {
            feedOne(c, i);
            out[i] = c.regime();
        }
        return out;
    }

    boolean feedOne(RegimeClassifier c, int i) {
        return c.onQuote(ts[i], bid[i], ask[i], bidSize[i], askSize[i]);
    }

    /** The regime after the whole series. */
    Regime finalRegime(RegimeClassifier c) {
        Regime[] all = feed(c);
        return all[n - 1];
    }

    static int switches(Regime[] regimes, int from) {
        int s = 0;
        for (int i = Math.max(1, from); i < regimes.length; i++) {
            if (regimes[i] != regimes[i - 1]) {
                s++;
            }
        }
        return s;
    }
}
