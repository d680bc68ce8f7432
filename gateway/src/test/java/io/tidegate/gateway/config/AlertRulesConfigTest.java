package io.tidegate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ops.alerts.rules} as written in a config file: read with their defaults, refused naming the key. */
class AlertRulesConfigTest {

    @TempDir
    Path dir;

    private GatewayConfig load(String rules) throws Exception {
        Path file = dir.resolve("tidegate.conf");
        Files.writeString(file, "tidegate.ops.alerts.rules = " + rules);
        return ConfigLoader.load(file, Map.of(), List.of());
    }

    @Test
    void aRuleIsReadWithTheGlobalEscalationSettingsWhereItSetsNone() throws Exception {
        var rule = load("[ { name = LagHigh, condition = growing, metric = tidegate_consumer_lag, by = [group], "
                + "threshold = 100, for = 1m, severity = critical, labels { team = risk } } ]").ops().alerts().rules().get(0);
        assertThat(rule.condition()).isEqualTo(GatewayConfig.ConditionKind.GROWING);
        assertThat(rule.severity()).isEqualTo(GatewayConfig.Severity.CRITICAL);
        assertThat(rule.by()).containsExactly("group");
        assertThat(rule.labels()).containsEntry("team", "risk");
        assertThat(rule.forDuration()).isEqualTo(Duration.ofMinutes(1));
        assertThat(rule.escalateAfter()).isEqualTo(Duration.ofMinutes(5));
        assertThat(rule.resolveAfter()).as("ops.alerts.resolve-after").isEqualTo(Duration.ofMinutes(1));
        assertThat(rule.route()).isEmpty();
    }

    @Test
    void aRuleMaySetItsOwnResolveAfterIncludingZero() throws Exception {
        var rules = load("[ { name = A, condition = above, metric = m, severity = info, resolve-after = 0s }, "
                + "{ name = B, condition = above, metric = m, severity = info, resolve-after = 10m } ]").ops().alerts().rules();
        assertThat(rules).extracting(GatewayConfig.AlertRule::resolveAfter)
                .containsExactly(Duration.ZERO, Duration.ofMinutes(10));
        assertThatThrownBy(() -> load("[ { name = A, condition = above, metric = m, severity = info, resolve-after = -1s } ]"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("resolve-after");
    }

    @Test
    void aBadSeverityAnUnknownKeyOrAnUnknownChannelIsRefusedNamingTheRule() {
        assertThatThrownBy(() -> load("[ { name = A, condition = above, metric = m, severity = urgent } ]"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("ops.alerts.rules[0].severity").hasMessageContaining("page");
        assertThatThrownBy(() -> load("[ { name = A, condition = above, metric = m, severity = info, treshold = 1 } ]"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("unknown key \"treshold\"");
        assertThatThrownBy(() -> load("[ { name = A, condition = above, metric = m, severity = info, route = [[sms]] } ]"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("sms");
        assertThatThrownBy(() -> load("[ { name = A, condition = above, metric = m, severity = info },"
                + " { name = A, condition = below, metric = m, severity = info } ]"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("exists already");
    }
}
