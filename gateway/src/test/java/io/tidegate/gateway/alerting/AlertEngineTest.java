package io.tidegate.gateway.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.GatewayConfig.AlertRule;
import io.tidegate.gateway.config.GatewayConfig.ConditionKind;
import io.tidegate.gateway.config.GatewayConfig.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lifecycle and escalation rules, stepped at chosen times (no clock, no threads). */
class AlertEngineTest {

    private static final List<List<String>> ROUTE = List.of(List.of("log"), List.of("log", "webhook"));
    private final GatewayConfig.Alerts config = GatewayConfig.defaultsWith().ops().alerts();
    private final AlertRule rule = new AlertRule("LagHigh", ConditionKind.ABOVE, "lag", Map.of(), List.of(), 10,
            Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ZERO, Severity.CRITICAL, Map.of("team", "ops"), "lag {{value}}",
            Duration.ofMinutes(5), Duration.ofMinutes(20), ROUTE);
    /** The same, but resolved only after its condition has not held for 30 s, and firing at once. */
    private final AlertRule hysteresis = new AlertRule("LagHigh", ConditionKind.ABOVE, "lag", Map.of(), List.of(), 10,
            Duration.ofMinutes(1), Duration.ZERO, Duration.ofSeconds(30), Severity.CRITICAL, Map.of("team", "ops"),
            "lag {{value}}", Duration.ofMinutes(5), Duration.ofMinutes(20), ROUTE);
    private AlertEngine engine = new AlertEngine(config, List.of(rule));
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

    /** Every notice of one step, whatever the channel, as "status@level". */
    private static List<String> sent(AlertEngine.Step step) {
        List<String> out = new ArrayList<>();
        step.notices().getOrDefault("log", List.of()).forEach(n -> out.add(n.status() + "@" + n.level()));
        return out;
    }

    private AlertView only() {
        assertThat(engine.views(acks)).hasSize(1);
        return engine.views(acks).get(0);
    }

    @Test
    void aConditionFlappingWithinResolveAfterStaysOneFiringAlertNotifiedOnce() {
        engine = new AlertEngine(config, List.of(hysteresis));
        List<String> sent = new ArrayList<>();
        // holds for 5 s, then not for 5 s, again and again: each gap is shorter than the 30 s resolve-after
        for (long s = 0; s < 300; s++) {
            AlertEngine.Step step = (s / 5) % 2 == 0 ? at(s, lag("a", 50)) : at(s);
            sent.addAll(sent(step));
            assertThat(step.ended()).as("the episode goes on at %d s", s).isEmpty();
            assertThat(only().state()).isEqualTo("firing");
            if ((s / 5) % 2 == 0) {
                assertThat(only().resolvingSince()).as("holds at %d s", s).isEmpty();
            } else {
                long gapStart = s - s % 5;
                assertThat(only().resolvingSince()).isEqualTo(Instant.ofEpochMilli(gapStart * 1000).toString());
            }
        }
        assertThat(sent).containsExactly("firing@0");
        assertThat(only().since()).as("firing since the first time").isEqualTo(Instant.EPOCH.toString());
    }

    @Test
    void escalationCountsFromTheFirstFiringThroughTheFlapping() {
        engine = new AlertEngine(config, List.of(hysteresis));
        List<String> sent = new ArrayList<>();
        for (long s = 0; s <= 300; s++) {
            sent.addAll(sent((s / 5) % 2 == 0 ? at(s, lag("a", 50)) : at(s)));
        }
        // fired at 0 s; escalate-after 5 m is due at 300 s, where the condition holds
        assertThat(sent).containsExactly("firing@0", "firing@1");
    }

    @Test
    void anEscalationDueWhileTheConditionIsAwayIsSentWhenItHoldsAgain() {
        engine = new AlertEngine(config, List.of(hysteresis));
        at(0, lag("a", 50));
        at(290, lag("a", 50));
        for (long s = 291; s <= 310; s++) {
            assertThat(at(s).notices()).as("nothing holds to escalate at %d s", s).isEmpty();
        }
        assertThat(sent(at(311, lag("a", 50)))).containsExactly("firing@1");
    }

    @Test
    void aConditionAwayForItsResolveAfterResolvesOnce() {
        engine = new AlertEngine(config, List.of(hysteresis));
        for (long s = 0; s < 40; s++) {
            at(s, lag("a", 50));
        }
        String id = only().id();
        acks.put(id, new Ack("alice", 1_000));
        for (long s = 40; s < 70; s++) {
            AlertEngine.Step step = at(s);
            assertThat(step.notices()).isEmpty();
            assertThat(step.ended()).as("still firing at %d s: the acknowledgement stays", s).isEmpty();
            assertThat(only().state()).isEqualTo("firing");
            assertThat(only().resolvingSince()).isEqualTo(Instant.ofEpochSecond(40).toString());
        }
        AlertEngine.Step resolved = at(70);
        assertThat(sent(resolved)).containsExactly("resolved@0");
        assertThat(resolved.ended()).containsExactly(id);
        assertThat(resolved.notices().get("log").get(0).endsAt()).isEqualTo(70_000);
        assertThat(only().state()).isEqualTo("resolved");
        assertThat(only().resolvingSince()).isEmpty();
        for (long s = 71; s < 200; s++) {
            assertThat(at(s).notices()).isEmpty();
        }
    }

    @Test
    void aConditionBackAfterItResolvedIsANewEpisode() {
        engine = new AlertEngine(config, List.of(hysteresis));
        at(0, lag("a", 50));
        at(10);
        assertThat(sent(at(40))).containsExactly("resolved@0");
        assertThat(sent(at(41, lag("a", 50)))).containsExactly("firing@0");
    }

    @Test
    void resolveAfterZeroResolvesAsSoonAsTheConditionStopsHolding() {
        AlertRule immediate = new AlertRule("LagHigh", ConditionKind.ABOVE, "lag", Map.of(), List.of(), 10,
                Duration.ofMinutes(1), Duration.ZERO, Duration.ZERO, Severity.CRITICAL, Map.of(), "lag {{value}}",
                Duration.ofMinutes(5), Duration.ofMinutes(20), ROUTE);
        engine = new AlertEngine(config, List.of(immediate));
        List<String> sent = new ArrayList<>();
        for (long s = 0; s < 100; s++) {
            sent.addAll(sent((s / 5) % 2 == 0 ? at(s, lag("a", 50)) : at(s)));
        }
        // every flap is an episode of its own: ten fire and ten resolve
        assertThat(sent).hasSize(20).containsOnly("firing@0", "resolved@0");
        assertThat(sent.stream().filter("resolved@0"::equals)).hasSize(10);
    }

    @Test
    void aResolvingAlertMovesToAnotherEngineAndResolvesOnTime() {
        engine = new AlertEngine(config, List.of(hysteresis));
        at(0, lag("a", 50));
        at(10);
        AlertEngine next = new AlertEngine(config, List.of(hysteresis));
        next.restore(engine.save());
        assertThat(next.views(acks).get(0).resolvingSince()).isEqualTo(Instant.ofEpochSecond(10).toString());
        assertThat(next.step(39_000, List.of(), acks, List.of()).notices()).isEmpty();
        assertThat(next.step(40_000, List.of(), acks, List.of()).notices().get("log"))
                .singleElement().satisfies(n -> assertThat(n.status()).isEqualTo("resolved"));
    }
}
