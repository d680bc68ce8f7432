package io.tidegate.intelligence.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.intelligence.scheduling.sim.Arrivals;
import io.tidegate.intelligence.scheduling.sim.Workload;
import io.tidegate.intelligence.scheduling.sim.WorkloadParser;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegimeRulesTest {

    private final RegimeRules rules = RegimeRules.parse(RegimeRules.DEFAULTS);

    @Test
    void ordersAndCancelsOfAVolatileInstrumentMoveUpOneClass() {
        assertThat(rules.effectiveClass(TrafficClass.HIGH, "order", "VOLATILE")).isEqualTo(TrafficClass.CRITICAL);
        assertThat(rules.effectiveClass(TrafficClass.NORMAL, "cancel", "volatile")).isEqualTo(TrafficClass.HIGH);
        assertThat(rules.effectiveClass(TrafficClass.CRITICAL, "cancel", "VOLATILE")).isEqualTo(TrafficClass.CRITICAL);
    }

    @Test
    void otherKindsAndCalmInstrumentsKeepTheirClass() {
        assertThat(rules.effectiveClass(TrafficClass.HIGH, "order", "CALM")).isEqualTo(TrafficClass.HIGH);
        assertThat(rules.effectiveClass(TrafficClass.NORMAL, "quote", "VOLATILE")).isEqualTo(TrafficClass.NORMAL);
    }

    @Test
    void quotesOfAnIlliquidInstrumentConflateAndNothingElseDoes() {
        assertThat(rules.conflates("quote", "ILLIQUID")).isTrue();
        assertThat(rules.conflates("quote", "VOLATILE")).isFalse();
        assertThat(rules.conflates("order", "ILLIQUID")).isFalse();
        assertThat(rules.effectiveClass(TrafficClass.NORMAL, "quote", "ILLIQUID")).isEqualTo(TrafficClass.NORMAL);
    }

    @Test
    void downAndWildcardRulesApplyAndTheFirstMatchWins() {
        RegimeRules r = RegimeRules.parse(List.of("ILLIQUID * -> down 2", "ILLIQUID order -> up 1"));
        assertThat(r.effectiveClass(TrafficClass.HIGH, "order", "ILLIQUID")).isEqualTo(TrafficClass.LOW);
        assertThat(r.effectiveClass(TrafficClass.LOW, "report", "ILLIQUID")).isEqualTo(TrafficClass.BULK);
    }

    @Test
    void aBadRuleIsRejectedWithWhatToWrite() {
        assertThatThrownBy(() -> RegimeRules.parse(List.of("VOLATILE order -> sideways 1")))
                .hasMessageContaining("'VOLATILE order -> sideways 1'")
                .hasMessageContaining("'up N', 'down N' or 'conflate'");
        assertThatThrownBy(() -> RegimeRules.parse(List.of("VOLATILE order up 1")))
                .hasMessageContaining("expected 'REGIME kinds -> action'");
        assertThatThrownBy(() -> RegimeRules.parse(List.of("VOLATILE order -> up 9")))
                .hasMessageContaining("move by 1 to 4 classes");
    }

    @Test
    void inTheShockWorkloadVolatileOrdersAreScheduledAsCritical() {
        Workload w = WorkloadParser.resource("regime-shock");
        Arrivals with = Arrivals.generate(w, rules, 5);
        Arrivals without = Arrivals.generate(w, RegimeRules.none(), 5);
        int critical = TrafficClass.CRITICAL.ordinal();
        int high = TrafficClass.HIGH.ordinal();
        int promoted = with.countPerClass()[critical] - without.countPerClass()[critical];
        // same arrivals, so what CRITICAL gained HIGH lost, and only while instruments were volatile
        assertThat(promoted).isPositive();
        assertThat(without.countPerClass()[high] - with.countPerClass()[high]).isEqualTo(promoted);
        for (int i = 0; i < with.size; i++) {
            if (with.classIndex[i] != without.classIndex[i]) {
                assertThat(with.volatileInstrument[i]).isTrue();
            }
        }
    }
}
