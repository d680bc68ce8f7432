package io.tidegate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.intelligence.regime.Regime;
import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.intelligence.scheduling.TrafficClass;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code dispatch.policy}, per-class, rails, watchdog and regime-rule keys: defaults, overrides and bad values. */
class DispatchSchedulingConfigTest {

    private static GatewayConfig.Scheduling load(String... overrides) {
        return ConfigLoader.load(null, Map.of(), List.of(overrides)).dispatch().scheduling();
    }

    @Test
    void defaultsAreStrictWithTheDocumentedClassSettings() {
        GatewayConfig.Scheduling s = load();
        assertThat(s.policy()).isEqualTo(PolicyKind.STRICT);
        assertThat(s.settings()).isEqualTo(SchedulingConfig.defaults());
        // no conflate rule by default: it would change what a conflating subscriber gets
        assertThat(s.regimeRules()).containsExactly(
                new GatewayConfig.RegimeRoute(Regime.VOLATILE, "exec.commands.>", 1, false));
    }

    @Test
    void policyClassSettingsAndRailsAreRead() {
        GatewayConfig.Scheduling s = load("dispatch.policy=learned", "dispatch.classes.bulk.deadline=2s",
                "dispatch.classes.bulk.weight=0.5", "dispatch.classes.high.max-wait=40ms", "dispatch.critical-max-bypass=3",
                "dispatch.watchdog.windows=8");
        assertThat(s.policy()).isEqualTo(PolicyKind.LEARNED);
        assertThat(s.settings().of(TrafficClass.BULK.ordinal()).deadlineNanos()).isEqualTo(2_000_000_000L);
        assertThat(s.settings().of(TrafficClass.BULK.ordinal()).weight()).isEqualTo(0.5);
        assertThat(s.settings().of(TrafficClass.HIGH.ordinal()).maxWaitNanos()).isEqualTo(40_000_000L);
        assertThat(s.settings().criticalMaxBypass()).isEqualTo(3);
        assertThat(s.settings().watchdogWindows()).isEqualTo(8);
    }

    @Test
    void regimeRulesFromAFlagAreSeparatedBySemicolons() {
        assertThat(load("dispatch.regime-rules=VOLATILE exec.> -> up 2; RANGING data.> -> down 1").regimeRules())
                .containsExactly(new GatewayConfig.RegimeRoute(Regime.VOLATILE, "exec.>", 2, false),
                        new GatewayConfig.RegimeRoute(Regime.RANGING, "data.>", -1, false));
    }

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> load("dispatch.policy=smart")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("dispatch.policy").hasMessageContaining("fifo, strict, weighted or learned");
        assertThatThrownBy(() -> load("dispatch.classes.normal.weight=-1")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("dispatch.classes.normal.weight");
        assertThatThrownBy(() -> load("dispatch.classes.low.deadline=soon")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("dispatch.classes.low.deadline");
        assertThatThrownBy(() -> load("dispatch.classes.critical.max-wait=500us")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("dispatch.classes.critical.max-wait").hasMessageContaining("dispatch.classes.critical.deadline");
        assertThatThrownBy(() -> load("dispatch.critical-max-bypass=-1")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("dispatch.critical-max-bypass");
        assertThatThrownBy(() -> load("dispatch.watchdog.tolerance=1.5")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("dispatch.watchdog.tolerance");
    }

    @Test
    void badRegimeRulesSayWhatIsWrong() {
        assertThatThrownBy(() -> load("dispatch.regime-rules=STORMY exec.> -> up 1")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("dispatch.regime-rules").hasMessageContaining("'STORMY' is not a regime");
        assertThatThrownBy(() -> load("dispatch.regime-rules=VOLATILE exec.> -> sideways")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("dispatch.regime-rules").hasMessageContaining("'up N', 'down N' or 'conflate'");
        assertThatThrownBy(() -> load("dispatch.regime-rules=VOLATILE exec.>.x -> up 1")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("must be the last segment");
        assertThatThrownBy(() -> load("dispatch.regime-rules=VOLATILE exec.> -> up 9")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("move by 1 to 4 classes");
    }
}
