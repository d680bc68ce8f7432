package io.tidegate.intelligence.regime;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Scores one classifier on generated series, per seed: a pooled confusion matrix, pooled detection
 * delays, and macro-F1 and accuracy per seed (both instrument profiles of a seed scored together).
 * Not thread-safe.
 */
public final class SeriesEvaluation {
    /** Offset added to a seed for the altcoin-like series, so its chain differs from the BTC-like one. */
    public static final long ALTCOIN_SEED_OFFSET = 500;
    /** Quotes per generated series (warm-up included). */
    public static final int DEFAULT_EVENTS = 60_000;

    private final ClassificationScore pooled = new ClassificationScore();
    private final DetectionDelays delays = new DetectionDelays();
    private final double[] macroF1;
    private final double[] accuracy;
    private long switches;
    private long trueSwitches;
    private long decidedEvents;

    private SeriesEvaluation(int seeds) {
        this.macroF1 = new double[seeds];
        this.accuracy = new double[seeds];
    }

    /** Scores the classifiers {@code classifiers} makes on both profiles of every seed in {@code seeds}. */
    public static SeriesEvaluation run(long[] seeds, int events, Supplier<RegimeClassifier> classifiers) {
        SeriesEvaluation e = new SeriesEvaluation(seeds.length);
        for (int s = 0; s < seeds.length; s++) {
            ClassificationScore perSeed = new ClassificationScore();
            e.score(RegimeSeriesGenerator.generate(seeds[s], InstrumentProfile.BTC_LIKE, events), classifiers, perSeed);
            e.score(RegimeSeriesGenerator.generate(seeds[s] + ALTCOIN_SEED_OFFSET, InstrumentProfile.ALTCOIN_LIKE, events),
                    classifiers, perSeed);
            e.macroF1[s] = perSeed.macroF1();
            e.accuracy[s] = perSeed.accuracy();
            e.pooled.add(perSeed);
        }
        return e;
    }

    private void score(GeneratedSeries series, Supplier<RegimeClassifier> classifiers, ClassificationScore perSeed) {
        byte[] predicted = new byte[series.size()];
        RegimeClassifier c = classifiers.get();
        series.replay(c, 0, series.size(), predicted);
        perSeed.add(series.label(), predicted, series.warmup(), series.size());
        delays.add(series.label(), predicted, series.warmup(), series.size());
        for (int i = series.warmup() + 1; i < series.size(); i++) {
            if (predicted[i] != predicted[i - 1]) {
                switches++;
            }
            if (series.label()[i] != series.label()[i - 1]) {
                trueSwitches++;
            }
        }
        decidedEvents += series.size() - series.warmup();
    }

    public ClassificationScore pooled() {
        return pooled;
    }

    public DetectionDelays delays() {
        return delays;
    }

    public double[] macroF1PerSeed() {
        return macroF1.clone();
    }

    public double meanMacroF1() {
        return mean(macroF1);
    }

    public double sdMacroF1() {
        return sd(macroF1);
    }

    public double meanAccuracy() {
        return mean(accuracy);
    }

    public double sdAccuracy() {
        return sd(accuracy);
    }

    /** Changes of the predicted regime per 1,000 scored quotes. */
    public double switchesPerThousand() {
        return decidedEvents == 0 ? 0 : 1000.0 * switches / decidedEvents;
    }

    /** Changes of the true regime per 1,000 scored quotes. */
    public double trueSwitchesPerThousand() {
        return decidedEvents == 0 ? 0 : 1000.0 * trueSwitches / decidedEvents;
    }

    static double mean(double[] xs) {
        return Arrays.stream(xs).average().orElse(Double.NaN);
    }

    static double sd(double[] xs) {
        if (xs.length < 2) {
            return 0;
        }
        double m = mean(xs);
        double ss = 0;
        for (double x : xs) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (xs.length - 1));
    }
}
