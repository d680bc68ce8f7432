package io.tidegate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sweep's split-half comparison: the best fixed setting is chosen on rounds it is not compared on. */
class TuningSweepSplitHalfTest {

    @Test
    void choosesOnOddRoundsAndComparesOnEvenOnesThenTheReverse() {
        Map<String, double[]> fixed = new LinkedHashMap<>();
        // rounds 1..4; "a" wins the odd rounds by a lucky round 1, "b" wins the even ones
        fixed.put("a", new double[] {200, 90, 100, 95});
        fixed.put("b", new double[] {110, 120, 105, 130});
        double[] tuned = {100, 110, 100, 120};

        List<SplitHalfComparison> halves = SplitHalfComparison.of(fixed, tuned);

        assertThat(halves).hasSize(2);
        SplitHalfComparison odd = halves.get(0);
        assertThat(odd.selectedOn()).isEqualTo("odd");
        assertThat(odd.chosen()).isEqualTo("a");
        // compared on rounds 2 and 4: a's 90 and 95, tuned's 110 and 120
        assertThat(odd.chosenRate()).isEqualTo(92.5);
        assertThat(odd.tunedRate()).isEqualTo(115);
        SplitHalfComparison even = halves.get(1);
        assertThat(even.selectedOn()).isEqualTo("even");
        assertThat(even.chosen()).isEqualTo("b");
        // compared on rounds 1 and 3: b's 110 and 105, tuned's 100 and 100
        assertThat(even.chosenRate()).isEqualTo(107.5);
        assertThat(even.tunedRate()).isEqualTo(100);
        assertThat(even.ratio()).isEqualTo(100 / 107.5);
    }

    @Test
    void theLuckyWinnerOfTheSameRunsLooksBetterThanOnTheRunsThatDidNotChooseIt() {
        Map<String, double[]> fixed = new LinkedHashMap<>();
        fixed.put("a", new double[] {150, 100, 100, 100, 150, 100});
        fixed.put("b", new double[] {100, 110, 100, 110, 100, 110});
        List<SplitHalfComparison> halves = SplitHalfComparison.of(fixed, new double[] {105, 105, 105, 105, 105, 105});
        // on the odd rounds "a" looks best (150, 100, 150); on the even rounds it is 100
        assertThat(halves.get(0).chosen()).isEqualTo("a");
        assertThat(halves.get(0).chosenRate()).isEqualTo(100);
        assertThat(halves.get(0).ratio()).isEqualTo(1.05);
    }

    @Test
    void anOddNumberOfRoundsSplitsIntoTheLargerOddHalf() {
        assertThat(SplitHalfComparison.rounds(new double[] {1, 2, 3, 4, 5}, 0)).containsExactly(1, 3, 5);
        assertThat(SplitHalfComparison.rounds(new double[] {1, 2, 3, 4, 5}, 1)).containsExactly(2, 4);
    }

    @Test
    void needsTwoRounds() {
        assertThatThrownBy(() -> SplitHalfComparison.of(Map.of("a", new double[] {1}), new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 rounds");
    }
}
