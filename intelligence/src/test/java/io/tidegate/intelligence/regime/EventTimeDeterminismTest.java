package io.tidegate.intelligence.regime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EventTimeDeterminismTest {
    private static final RegimeSettings SETTINGS = RegimeSettings.defaults();

    @Test
    void sameSeriesGivesIdenticalDecisionsWhateverTheWallClockPacingAndChunking() throws InterruptedException {
        GeneratedSeries s = RegimeSeriesGenerator.generate(77, InstrumentProfile.ALTCOIN_LIKE, 20_000);
        byte[] straight = new byte[s.size()];
        s.replay(new RegimeDetector(SETTINGS), 0, s.size(), straight);

        // replayed in random chunks, with pauses between some and another instrument fed in between
        byte[] paced = new byte[s.size()];
        RegimeDetector d = new RegimeDetector(SETTINGS);
        RegimeDetector other = new RegimeDetector(SETTINGS);
        GeneratedSeries noise = RegimeSeriesGenerator.generate(78, InstrumentProfile.BTC_LIKE, 20_000);
        SplittableRandom rnd = new SplittableRandom(5);
        int from = 0;
        int chunks = 0;
        while (from < s.size()) {
            int to = Math.min(s.size(), from + 1 + rnd.nextInt(700));
            s.replay(d, from, to, paced);
            noise.replay(other, from, Math.min(noise.size(), to), new byte[noise.size()]);
            if (++chunks % 10 == 0) {
                Thread.sleep(1 + rnd.nextInt(3));
            }
            from = to;
        }
        assertThat(paced).isEqualTo(straight);
        assertThat(chunks).isGreaterThan(20);
    }

    @Test
    void theBaselineIsAsDeterministic() {
        GeneratedSeries s = RegimeSeriesGenerator.generate(79, InstrumentProfile.BTC_LIKE, 20_000);
        byte[] once = new byte[s.size()];
        byte[] twice = new byte[s.size()];
        s.replay(new ThresholdRegimeRule(SETTINGS), 0, s.size(), once);
        ThresholdRegimeRule again = new ThresholdRegimeRule(SETTINGS);
        s.replay(again, 0, 7_000, twice);
        s.replay(again, 7_000, s.size(), twice);
        assertThat(twice).isEqualTo(once);
    }
}
