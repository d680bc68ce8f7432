package io.tidegate.gateway.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The sequential test's verdicts on known rounds. */
class RoundTrialTest {

    @Test
    void keepsAConsistentGainOnceItHasThreeRounds() {
        RoundTrial trial = new RoundTrial(0.01, 0.03, 15);
        trial.add(200, 212);
        trial.add(200, 210);
        assertThat(trial.verdict()).as("two rounds give no spread to test").isEqualTo(RoundTrial.Verdict.CONTINUE);
        trial.add(200, 211);
        assertThat(trial.verdict()).isEqualTo(RoundTrial.Verdict.KEEP);
        assertThat(trial.meanGain()).isBetween(0.054, 0.056);
    }

    @Test
    void revertsAConsistentLoss() {
        RoundTrial trial = new RoundTrial(0.01, 0.03, 15);
        for (int i = 0; i < 3; i++) {
            trial.add(100, 90 + i);
        }
        assertThat(trial.verdict()).isEqualTo(RoundTrial.Verdict.REVERT);
    }

    @Test
    void revertsAGainShownToBeSmallerThanTheLeastWorthAStep() {
        RoundTrial trial = new RoundTrial(0.01, 0.03, 15);
        double[] gains = {1.004, 1.006, 1.005, 1.004, 1.006, 1.005};
        int rounds = 0;
        for (double g : gains) {
            trial.add(100, 100 * g);
            rounds++;
            if (trial.verdict() != RoundTrial.Verdict.CONTINUE) {
                break;
            }
        }
        // a 0.5 % gain measured this tightly is real: kept, not mistaken for futility
        assertThat(trial.verdict()).isEqualTo(RoundTrial.Verdict.KEEP);
        assertThat(rounds).isEqualTo(3);

        RoundTrial noisy = new RoundTrial(0.01, 0.03, 15);
        double[] mixed = {1.01, 0.99, 1.012, 0.988, 1.011, 0.989, 1.01, 0.99};
        for (double g : mixed) {
            noisy.add(100, 100 * g);
        }
        assertThat(noisy.verdict()).as("a gain of about zero, known to within 3 %").isEqualTo(RoundTrial.Verdict.REVERT);
    }

    @Test
    void weighsADoublingAndAHalvingAlike() {
        RoundTrial trial = new RoundTrial(0.01, 0.03, 15);
        // as relative differences these would average +25 %
        double[] swings = {2, 0.5, 2, 0.5};
        for (double s : swings) {
            trial.add(100, 100 * s);
        }
        assertThat(trial.meanGain()).isCloseTo(0, within(1e-9));
    }

    @Test
    void givesUpWithoutAVerdictAfterTheMostRounds() {
        RoundTrial trial = new RoundTrial(0.01, 0.03, 6);
        double[] swings = {1.5, 0.6, 1.4, 0.7, 1.5, 0.6};
        for (int i = 0; i < swings.length; i++) {
            trial.add(100, 100 * swings[i]);
            if (i < swings.length - 1) {
                assertThat(trial.verdict()).isEqualTo(RoundTrial.Verdict.CONTINUE);
            }
        }
        assertThat(trial.verdict()).isEqualTo(RoundTrial.Verdict.REVERT);
    }
}
