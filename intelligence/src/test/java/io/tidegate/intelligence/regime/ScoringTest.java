package io.tidegate.intelligence.regime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ScoringTest {
    private static final byte R = (byte) Regime.RANGING.ordinal();
    private static final byte V = (byte) Regime.VOLATILE.ordinal();
    private static final byte I = (byte) Regime.ILLIQUID.ordinal();

    @Test
    void macroF1AveragesTheClassesThatOccur() {
        byte[] truth = {R, R, R, V, V, V};
        byte[] predicted = {R, R, V, V, V, R};
        ClassificationScore s = new ClassificationScore().add(truth, predicted, 0, truth.length);
        assertThat(s.accuracy()).isCloseTo(4 / 6.0, within(1e-12));
        assertThat(s.precision(Regime.RANGING)).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(s.recall(Regime.VOLATILE)).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(s.macroF1()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(s.count(Regime.VOLATILE, Regime.RANGING)).isEqualTo(1);
    }

    @Test
    void detectionDelayCountsEventsToTheFirstRightAnswerAndMissesWhenTheSegmentEnds() {
        byte[] truth = {R, R, V, V, V, V, I, I, R};
        byte[] predicted = {R, R, R, R, V, R, R, R, R};
        DetectionDelays d = new DetectionDelays().add(truth, predicted, 0, truth.length);
        assertThat(d.detected()).isEqualTo(2); // V after 2 events, R back at once
        assertThat(d.missed()).isEqualTo(1); // I never said
        assertThat(d.mean()).isEqualTo(1.0);
        assertThat(d.quantile(0.9)).isEqualTo(2);
    }

    @Test
    void wireDecimalsBecomeTheirDoubleValue() {
        assertThat(WireDecimal.toDouble(6_500_012, 2)).isEqualTo(65000.12);
        assertThat(WireDecimal.toDouble(5_700_000, 8)).isEqualTo(0.057);
        assertThat(WireDecimal.toDouble(3, 0)).isEqualTo(3.0);
    }
}
