package io.tidegate.intelligence.regime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The detector must beat the threshold baseline on seeds used neither for calibration nor for the docs' figures. */
class DetectorVersusBaselineTest {
    private static final long[] HELD_OUT = {2001, 2002, 2003};

    @Test
    void detectorBeatsTheBaselineOnMacroF1AndFlapsLessOnHeldOutSeeds() {
        RegimeSettings settings = RegimeSettings.defaults();
        SeriesEvaluation detector = SeriesEvaluation.run(HELD_OUT, 30_000, () -> new RegimeDetector(settings));
        SeriesEvaluation baseline = SeriesEvaluation.run(HELD_OUT, 30_000, () -> new ThresholdRegimeRule(settings));

        // measured on these seeds: pooled macro-F1 0.951 vs 0.942, every seed ahead, 1.04 vs 2.93 switches per 1,000
        assertThat(detector.pooled().macroF1()).isGreaterThanOrEqualTo(baseline.pooled().macroF1() + 0.004);
        double[] d = detector.macroF1PerSeed();
        double[] b = baseline.macroF1PerSeed();
        for (int i = 0; i < d.length; i++) {
            assertThat(d[i]).as("seed " + HELD_OUT[i]).isGreaterThan(b[i]);
        }
        assertThat(detector.switchesPerThousand()).isLessThan(baseline.switchesPerThousand() / 2);
        assertThat(detector.pooled().accuracy()).isGreaterThan(baseline.pooled().accuracy());
    }
}
