package io.tidegate.intelligence.regime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegimeSeriesGeneratorTest {

    @Test
    void sameSeedSameSeriesWithARangingWarmupAndEveryRegimeLabelled() {
        GeneratedSeries a = RegimeSeriesGenerator.generate(3, InstrumentProfile.BTC_LIKE, 60_000);
        GeneratedSeries b = RegimeSeriesGenerator.generate(3, InstrumentProfile.BTC_LIKE, 60_000);
        assertThat(a.bid()).isEqualTo(b.bid());
        assertThat(a.label()).isEqualTo(b.label());
        Set<Regime> seen = EnumSet.noneOf(Regime.class);
        for (int i = 0; i < a.size(); i++) {
            if (i < RegimeSeriesGenerator.WARMUP_EVENTS) {
                assertThat(Regime.of(a.label()[i])).isEqualTo(Regime.RANGING);
            }
            seen.add(Regime.of(a.label()[i]));
            if (i > 0) {
                assertThat(a.ts()[i]).isGreaterThan(a.ts()[i - 1]);
            }
            assertThat(a.ask()[i]).isGreaterThan(a.bid()[i]);
        }
        assertThat(seen).containsExactlyInAnyOrder(Regime.values());
    }
}
