package io.tidegate.intelligence.regime;

import java.util.SplittableRandom;

/**
 * Makes labelled quote series from a seeded Markov chain of regimes, for evaluating the
 * {@link RegimeDetector} against the {@link ThresholdRegimeRule}. Same seed, same series.
 *
 * <p>The chain: a warm-up of {@link #WARMUP_EVENTS} quotes in RANGING (so the normals can be learned),
 * then segments. A segment lasts 150 quotes plus a geometric number with mean 1,350 (RANGING), 650
 * (TRENDING_UP/DOWN), 450 (VOLATILE) or 350 (ILLIQUID). From RANGING the next regime is one of the other
 * four, uniformly; from any other, RANGING with probability 1/2, else one of the remaining three uniformly.
 *
 * <p>Each segment draws its parameters uniformly from these ranges (multipliers of the
 * {@link InstrumentProfile}'s normal; drift in normal sigmas per quote, signed for the trend's direction):
 * <pre>
 * regime     drift        volatility  spread    quote rate    top size
 * RANGING    0            0.8-1.3     0.8-1.5   0.8-1.25      0.7-1.4
 * TRENDING   0.45-0.9     0.8-1.3     0.8-1.5   0.8-1.25      0.7-1.4
 * VOLATILE   0 or +-0-0.9 4-7         1.5-3     1.2-2         0.5-1
 * ILLIQUID   0            1-2         one cause, the others as RANGING:
 *                                     7-15  or  1/15-1/7  or  1/15-1/7
 * </pre>
 * With the 100-quote window a trend's move is 4.5-9 noise standard deviations, clear of the definition's 3.
 *
 * <p>Per quote: log-return = drift&middot;&sigma; + vol&middot;&sigma;&middot;&epsilon;, &epsilon; Student-t with
 * 5 degrees of freedom scaled to unit variance (fat tails); spread = normal &times; multiplier &times;
 * e<sup>0.3 N(0,1)</sup>; each side's size = normal/2 &times; multiplier &times; e<sup>0.5 N(0,1)</sup>;
 * the gap to the next quote is exponential with mean normal gap / rate multiplier. Each quote is labelled
 * with its segment's regime.
 *
 * <p>Stateless; safe from any thread.
 */
public final class RegimeSeriesGenerator {
    /** Quotes of RANGING at the start of every series. */
    public static final int WARMUP_EVENTS = 2_000;
    private static final int MIN_SEGMENT = 150;

    private RegimeSeriesGenerator() {
    }

    /** A series of {@code events} quotes (warm-up included) imitating {@code profile}. */
    public static GeneratedSeries generate(long seed, InstrumentProfile profile, int events) {
        if (events <= WARMUP_EVENTS) {
            throw new IllegalArgumentException("events must exceed the warm-up of " + WARMUP_EVENTS + ", got " + events);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] ts = new long[events];
        double[] bid = new double[events];
        double[] ask = new double[events];
        double[] bidSize = new double[events];
        double[] askSize = new double[events];
        byte[] label = new byte[events];

        Segment seg = Segment.ranging(rnd, WARMUP_EVENTS);
        int left = WARMUP_EVENTS;
        double logMid = Math.log(profile.price());
        long now = 1_732_530_600_000_000_000L;
        for (int i = 0; i < events; i++) {
            if (left == 0) {
                seg = Segment.next(rnd, seg.regime);
                left = seg.length;
            }
            left--;
            if (i > 0) {
                now += Math.max(1, Math.round(-Math.log(1 - rnd.nextDouble()) * profile.meanGapNanos() / seg.rate));
                logMid += profile.sigma() * (seg.drift + seg.vol * studentT5(rnd));
            }
            double mid = Math.exp(logMid);
            double half = 0.5 * mid * profile.spread() * seg.spread * Math.exp(0.3 * rnd.nextGaussian());
            ts[i] = now;
            bid[i] = mid - half;
            ask[i] = mid + half;
            bidSize[i] = 0.5 * profile.topSize() * seg.size * Math.exp(0.5 * rnd.nextGaussian());
            askSize[i] = 0.5 * profile.topSize() * seg.size * Math.exp(0.5 * rnd.nextGaussian());
            label[i] = (byte) seg.regime.ordinal();
        }
        return new GeneratedSeries(profile, seed, WARMUP_EVENTS, ts, bid, ask, bidSize, askSize, label);
    }

    /** Student-t with 5 degrees of freedom, scaled to variance 1. */
    private static double studentT5(SplittableRandom rnd) {
        double chi2 = 0;
        for (int k = 0; k < 5; k++) {
            double g = rnd.nextGaussian();
            chi2 += g * g;
        }
        return rnd.nextGaussian() / Math.sqrt(chi2 / 5) / Math.sqrt(5.0 / 3.0);
    }

    /** One regime segment's length and parameters. */
    private record Segment(Regime regime, int length, double drift, double vol, double spread, double rate,
                           double size) {

        static Segment next(SplittableRandom rnd, Regime previous) {
            Regime next = nextRegime(rnd, previous);
            return switch (next) {
                case RANGING -> ranging(rnd, length(rnd, 1_350));
                case TRENDING_UP -> trending(rnd, 1);
                case TRENDING_DOWN -> trending(rnd, -1);
                case VOLATILE -> new Segment(Regime.VOLATILE, length(rnd, 450),
                        rnd.nextBoolean() ? 0 : (rnd.nextBoolean() ? 1 : -1) * uniform(rnd, 0, 0.9),
                        uniform(rnd, 4, 7), uniform(rnd, 1.5, 3), uniform(rnd, 1.2, 2), uniform(rnd, 0.5, 1));
                case ILLIQUID -> illiquid(rnd);
            };
        }

        static Regime nextRegime(SplittableRandom rnd, Regime previous) {
            if (previous != Regime.RANGING && rnd.nextBoolean()) {
                return Regime.RANGING;
            }
            while (true) {
                Regime r = Regime.of(rnd.nextInt(Regime.count()));
                if (r != previous && r != Regime.RANGING) {
                    return r;
                }
            }
        }

        static Segment ranging(SplittableRandom rnd, int length) {
            return new Segment(Regime.RANGING, length, 0, uniform(rnd, 0.8, 1.3), uniform(rnd, 0.8, 1.5),
                    uniform(rnd, 0.8, 1.25), uniform(rnd, 0.7, 1.4));
        }

        static Segment trending(SplittableRandom rnd, int sign) {
            return new Segment(sign > 0 ? Regime.TRENDING_UP : Regime.TRENDING_DOWN, length(rnd, 650),
                    sign * uniform(rnd, 0.45, 0.9), uniform(rnd, 0.8, 1.3), uniform(rnd, 0.8, 1.5),
                    uniform(rnd, 0.8, 1.25), uniform(rnd, 0.7, 1.4));
        }

        static Segment illiquid(SplittableRandom rnd) {
            int length = length(rnd, 350);
            double vol = uniform(rnd, 1, 2);
            double spread = uniform(rnd, 0.8, 1.5);
            double rate = uniform(rnd, 0.8, 1.25);
            double size = uniform(rnd, 0.7, 1.4);
            switch (rnd.nextInt(3)) {
                case 0 -> spread = uniform(rnd, 7, 15);
                case 1 -> rate = 1 / uniform(rnd, 7, 15);
                default -> size = 1 / uniform(rnd, 7, 15);
            }
            return new Segment(Regime.ILLIQUID, length, 0, vol, spread, rate, size);
        }

        static int length(SplittableRandom rnd, double meanExtra) {
            double p = 1 / meanExtra;
            return MIN_SEGMENT + (int) Math.floor(Math.log(1 - rnd.nextDouble()) / Math.log(1 - p));
        }

        static double uniform(SplittableRandom rnd, double lo, double hi) {
            return lo + (hi - lo) * rnd.nextDouble();
        }
    }
}
