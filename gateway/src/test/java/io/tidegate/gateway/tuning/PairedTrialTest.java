package io.tidegate.gateway.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The sequential paired test's verdicts on known pairs. */
class PairedTrialTest {

    @Test
    void keepsAConsistentGainOnceItHasThreePairs() {
        PairedTrial trial = new PairedTrial(0.01, 0.03, 30);
        trial.add(100, 106);
        trial.add(100, 105);
        assertThat(trial.verdict()).as("two pairs give no spread to test").isEqualTo(PairedTrial.Verdict.CONTINUE);
        trial.add(100, 105.5);
        assertThat(trial.verdict()).isEqualTo(PairedTrial.Verdict.KEEP);
        assertThat(trial.meanGain()).isBetween(0.054, 0.056);
    }

    @Test
    void revertsAConsistentLoss() {
        PairedTrial trial = new PairedTrial(0.01, 0.03, 30);
        for (int i = 0; i < 3; i++) {
            trial.add(100, 90 + i);
        }
        assertThat(trial.verdict()).isEqualTo(PairedTrial.Verdict.REVERT);
    }

    @Test
    void revertsAGainShownToBeSmallerThanTheLeastWorthAStep() {
        PairedTrial trial = new PairedTrial(0.01, 0.03, 30);
        double[] gains = {1.004, 1.006, 1.005, 1.004, 1.006, 1.005};
        int pairs = 0;
        for (double g : gains) {
            trial.add(100, 100 * g);
            pairs++;
            if (trial.verdict() != PairedTrial.Verdict.CONTINUE) {
                break;
            }
        }
        // a 0.5 % gain measured this tightly is real: kept, not mistaken for futility
        assertThat(trial.verdict()).isEqualTo(PairedTrial.Verdict.KEEP);
        assertThat(pairs).isEqualTo(3);

        PairedTrial noisy = new PairedTrial(0.01, 0.03, 30);
        double[] mixed = {1.01, 0.99, 1.012, 0.988, 1.011, 0.989, 1.01, 0.99};
        for (double g : mixed) {
            noisy.add(100, 100 * g);
        }
        assertThat(noisy.verdict()).as("a gain of about zero, known to within 3 %").isEqualTo(PairedTrial.Verdict.REVERT);
    }

    @Test
    void givesUpWithoutAVerdictAfterTheMostPairs() {
        PairedTrial trial = new PairedTrial(0.01, 0.03, 6);
        double[] swings = {1.5, 0.6, 1.4, 0.7, 1.5, 0.6};
        for (int i = 0; i < swings.length; i++) {
            trial.add(100, 100 * swings[i]);
            if (i < swings.length - 1) {
                assertThat(trial.verdict()).isEqualTo(PairedTrial.Verdict.CONTINUE);
            }
        }
        assertThat(trial.verdict()).isEqualTo(PairedTrial.Verdict.REVERT);
    }
}
