package io.tidegate.intelligence.regime;

import java.util.Locale;

/**
 * Prints the detector's macro-F1 on the calibration seeds (1001-1005, never the evaluation's test seeds)
 * over a small grid of the decision layer's settings; {@link RegimeSettings#defaults()} holds the pick.
 * Run: {@code ./mvnw -q -pl intelligence compile exec:java -Dexec.skip=false
 * -Dexec.mainClass=io.tidegate.intelligence.regime.RegimeCalibration}. Single-threaded.
 */
public final class RegimeCalibration {
    /** The seeds the settings may be tuned on. */
    public static final long[] CALIBRATION_SEEDS = {1001, 1002, 1003, 1004, 1005};

    private RegimeCalibration() {
    }

    public static void main(String[] args) {
        RegimeSettings d = RegimeSettings.defaults();
        SeriesEvaluation base = SeriesEvaluation.run(CALIBRATION_SEEDS, SeriesEvaluation.DEFAULT_EVENTS,
                () -> new ThresholdRegimeRule(d));
        System.out.printf(Locale.ROOT, "baseline macro-F1 %.3f, switches/1000 %.2f; truth switches/1000 %.2f%n",
                base.meanMacroF1(), base.switchesPerThousand(), base.trueSwitchesPerThousand());
        System.out.println("dwell weight clip enter  macro-F1  accuracy  switches/1000");
        for (double dwell : new double[] {100, 300, 1000}) {
            for (double weight : new double[] {0.25, 0.5, 1.0}) {
                for (double enter : new double[] {0.6, 0.8, 0.95}) {
                    RegimeSettings s = new RegimeSettings(d.window(), d.warmupQuotes(), d.normalHalfLife(),
                            d.fastHalfLife(), dwell, weight, d.evidenceClip(), enter);
                    SeriesEvaluation e = SeriesEvaluation.run(CALIBRATION_SEEDS, SeriesEvaluation.DEFAULT_EVENTS,
                            () -> new RegimeDetector(s));
                    System.out.printf(Locale.ROOT, "%5.0f %6.2f %4.1f %5.2f  %.3f     %.3f     %.2f%n", dwell, weight,
                            d.evidenceClip(), enter, e.meanMacroF1(), e.meanAccuracy(), e.switchesPerThousand());
                }
            }
        }
    }
}
