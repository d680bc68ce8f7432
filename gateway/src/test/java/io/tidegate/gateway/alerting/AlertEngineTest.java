package io.tidegate.gateway.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.GatewayConfig.AlertRule;
import io.tidegate.gateway.config.GatewayConfig.ConditionKind;
import io.tidegate.gateway.config.GatewayConfig.Severity;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lifecycle and escalation rules, stepped at chosen times (no clock, no threads). */
class AlertEngineTest {

    private static final List<List<String>> ROUTE = List.of(List.of("log"), List.of("log", "webhook"));
    private final GatewayConfig.Alerts config = GatewayConfig.defaultsWith().ops().alerts();
    private final AlertRule rule = new AlertRule("LagHigh", ConditionKind.ABOVE, "lag", Map.of(), List.of(), 10,
            Duration.ofMinutes(1), Duration.ofSeconds(30), Severity.CRITICAL, Map.of("team", "ops"), "lag {{value}}",
            Duration.ofMinutes(5), Duration.ofMinutes(20), ROUTE);
    private final AlertEngine engine = new AlertEngine(config, List.of(rule));
    private final Map<String, Ack> acks = new HashMap<>();

    private static Observation lag(String group, double value) {
        return new Observation("LagHigh", Map.of("group", group, "gateway", "g1"), value, "");
    }

    private AlertEngine.Step at(long seconds, Observation... holding) {
        return engine.step(seconds * 1000, List.of(holding), acks, List.of());
    }

    @Test
    void anAlertIsPendingForItsForDurationThenFiresThenResolves() {
        assertThat(at(0, lag("a", 50)).notices()).isEmpty();
        assertThat(engine.views(acks)).singleElement().satisfies(v -> {
            assertThat(v.state()).isEqualTo("pending");
            assertThat(v.labels()).containsEntry("group", "a").containsEntry("team", "ops")
                    .containsEntry("alertname", "LagHigh").containsEntry("severity", "critical");
            assertThat(v.summary()).isEqualTo("lag 50");
        });
        assertThat(at(29, lag("a", 50)).notices()).isEmpty();

        var firing = at(30, lag("a", 60)).notices();
        assertThat(firing).containsOnlyKeys("log");
        assertThat(firing.get("log")).singleElement().satisfies(n -> {
            assertThat(n.status()).isEqualTo("firing");
            assertThat(n.level()).isZero();
        });
        assertThat(engine.views(acks).get(0).state()).isEqualTo("firing");

        var resolved = at(31);
        assertThat(resolved.notices().get("log")).singleElement().satisfies(n -> assertThat(n.status()).isEqualTo("resolved"));
        assertThat(resolved.ended()).hasSize(1);
        assertThat(engine.views(acks).get(0).state()).isEqualTo("resolved");
    }

    @Test
    void aConditionThatStopsHoldingBeforeItsForDurationNeverFires() {
        at(0, lag("a", 50));
        assertThat(at(10).notices()).isEmpty();
        assertThat(engine.views(acks)).isEmpty();
        assertThat(at(40, lag("a", 50)).notices()).isEmpty(); // a fresh pending period
    }

    @Test
    void oneSeriesIsOneAlertNotifiedOnceWhileItHolds() {
        for (long s = 0; s <= 600; s += 1) {
            at(s, lag("a", 50 + s), lag("b", 70));
        }
        assertThat(engine.views(acks)).hasSize(2).extracting(AlertView::state).containsOnly("firing");
        // fired at 30 s, escalated at 330 s; no repeat within the 20 minute interval
        AlertEngine.Step quiet = at(601, lag("a", 1), lag("b", 70));
        assertThat(quiet.notices()).isEmpty();
    }

    @Test
    void anUnacknowledgedAlertGoesToTheNextLevelAfterEscalateAfterAndRepeatsThere() {
        at(0, lag("a", 50));
        at(30, lag("a", 50)); // fires: level 0
        assertThat(at(329, lag("a", 50)).notices()).isEmpty();
        var escalated = at(330, lag("a", 50)).notices();
        assertThat(escalated).containsOnlyKeys("log", "webhook");
        assertThat(escalated.get("webhook")).singleElement().satisfies(n -> assertThat(n.level()).isEqualTo(1));
        assertThat(at(330 + 20 * 60 - 1, lag("a", 50)).notices()).isEmpty();
        var repeated = at(330 + 20 * 60, lag("a", 50)).notices();
        assertThat(repeated.get("webhook")).singleElement().satisfies(n -> assertThat(n.level()).isEqualTo(1));

        var resolved = at(3000).notices();
        assertThat(resolved).containsOnlyKeys("log", "webhook"); // everyone told it fired hears it ended
    }

    @Test
    void anAcknowledgementStopsEscalationAndRepeats() {
        at(0, lag("a", 50));
        at(30, lag("a", 50));
        acks.put(engine.views(acks).get(0).id(), new Ack("alice", 31_000));
        for (long s = 31; s <= 3600; s += 10) {
            assertThat(at(s, lag("a", 50)).notices()).isEmpty();
        }
        assertThat(engine.views(acks).get(0).acknowledgedBy()).isEqualTo("alice");
        AlertEngine.Step resolved = at(3601);
        assertThat(resolved.notices().get("log")).singleElement().satisfies(n -> assertThat(n.status()).isEqualTo("resolved"));
        assertThat(resolved.ended()).containsExactly(engine.views(acks).get(0).id());
    }

    @Test
    void aSilencedAlertIsListedButNothingIsSentUntilTheSilenceEnds() {
        Silence silence = new Silence("s1", Map.of("group", "a"), 100_000, "bob", "maintenance");
        engine.step(0, List.of(lag("a", 50)), acks, List.of(silence));
        assertThat(engine.step(30_000, List.of(lag("a", 50)), acks, List.of(silence)).notices()).isEmpty();
        assertThat(engine.views(acks).get(0).state()).isEqualTo("firing");
        assertThat(engine.step(99_000, List.of(lag("a", 50)), acks, List.of(silence)).notices()).isEmpty();
        var after = engine.step(100_000, List.of(lag("a", 50)), acks, List.of(silence)).notices();
        assertThat(after.get("log")).singleElement().satisfies(n -> assertThat(n.status()).isEqualTo("firing"));
    }

    @Test
    void theStateMovesToAnotherEngineWithoutNotifyingAgain() {
        at(0, lag("a", 50));
        at(30, lag("a", 50));
        AlertEngine next = new AlertEngine(config, List.of(rule));
        next.restore(engine.save());
        assertThat(next.step(31_000, List.of(lag("a", 50)), acks, List.of()).notices()).isEmpty();
        assertThat(next.views(acks)).singleElement().satisfies(v -> assertThat(v.state()).isEqualTo("firing"));
        var escalated = next.step(330_000, List.of(lag("a", 50)), acks, List.of()).notices();
        assertThat(escalated.get("webhook")).hasSize(1);
    }
}
