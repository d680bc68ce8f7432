package io.tidegate.intelligence.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.intelligence.scheduling.sim.Arrivals;
import io.tidegate.intelligence.scheduling.sim.SimResult;
import io.tidegate.intelligence.scheduling.sim.Simulator;
import io.tidegate.intelligence.scheduling.sim.Workload;
import io.tidegate.intelligence.scheduling.sim.WorkloadParser;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RewardWatchdogTest {

    @Test
    void aBadTableFallsBackToStrictOnceAndSaysSo() {
        Workload w = WorkloadParser.resource("burst2x");
        SchedulingConfig config = w.applyTo(SchedulingConfig.defaults());
        Arrivals a = Arrivals.generate(w, RegimeRules.parse(RegimeRules.DEFAULTS), 1001);
        QTable bad = SafetyRailsTest.reversePriorityTable();
        List<FallbackEvent> events = new ArrayList<>();

        RewardWatchdog watchdog = new RewardWatchdog(new LearnedPolicy(bad, PolicyFactory.encoder(config)), config, events::add);
        SimResult watched = Simulator.run(w, config, a, new SafetyRails(watchdog, config));
        SimResult unwatched = Simulator.run(w, config, a,
                new SafetyRails(new LearnedPolicy(bad, PolicyFactory.encoder(config)), config));

        assertThat(watchdog.fallenBack()).isTrue();
        assertThat(events).hasSize(1);
        FallbackEvent e = events.get(0);
        assertThat(e.learnedReward()).isLessThan(e.strictReward() * (1 - config.watchdogTolerance()));
        // until the first burst (1 s to 1.2 s) there is little to decide; the bad table loses in it
        assertThat(e.atNanos()).isBetween(1_000_000_000L, 1_500_000_000L);
        assertThat(e.message()).startsWith("dispatch.policy learned fell back to strict: rolling reward");
        SimResult strict = Simulator.run(w, config, a, new SafetyRails(new StrictPriorityPolicy(), config));
        // measured on this seed: bad table 548,745; watched 326,841; strict 317,627
        assertThat(watched.weightedMisses()).isLessThan(unwatched.weightedMisses() * 0.7);
        assertThat(watched.weightedMisses()).isLessThan(strict.weightedMisses() * 1.05);
    }

    @Test
    void afterFallingBackItDecidesAsStrict() {
        SchedulingConfig config = SchedulingConfig.defaults().withWatchdog(1_000, 1, 0.05);
        List<FallbackEvent> events = new ArrayList<>();
        RewardWatchdog watchdog = new RewardWatchdog(
                new LearnedPolicy(SafetyRailsTest.reversePriorityTable(), PolicyFactory.encoder(config)), config, events::add);
        LaneSnapshot lanes = new LaneSnapshot().at(0, 50_000, 0)
                .lane(TrafficClass.HIGH.ordinal(), 1, 0).lane(TrafficClass.BULK.ordinal(), 1, 0);
        assertThat(watchdog.choose(lanes)).isEqualTo(TrafficClass.BULK.ordinal());

        // strict would have met a HIGH deadline the learned policy missed
        watchdog.completed(TrafficClass.HIGH.ordinal(), false, 50_000, 100);
        watchdog.arrived(TrafficClass.HIGH.ordinal(), 100);
        assertThat(watchdog.choose(lanes.at(5_000, 50_000, 0))).isEqualTo(TrafficClass.HIGH.ordinal());
        assertThat(watchdog.fallenBack()).isTrue();
        assertThat(events).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"steady", "burst2x", "regime-shock"})
    void strictItselfNeverTripsTheWatchdog(String workload) {
        Workload w = WorkloadParser.resource(workload);
        SchedulingConfig config = w.applyTo(SchedulingConfig.defaults());
        Arrivals a = Arrivals.generate(w, RegimeRules.parse(RegimeRules.DEFAULTS), 1002);
        List<FallbackEvent> events = new ArrayList<>();
        Simulator.run(w, config, a, new SafetyRails(new RewardWatchdog(new StrictPriorityPolicy(), config, events::add), config));
        assertThat(events).isEmpty();
    }

    @Test
    void theLoggingListenerWritesOneWarningLine() {
        Logger jul = Logger.getLogger(RewardWatchdog.class.getName());
        List<LogRecord> records = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        try {
            new LoggingFallbackListener().onFallback(new FallbackEvent(1, 10, 20, 1_000_000_000L));
        } finally {
            jul.removeHandler(h);
        }
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.getLevel()).isEqualTo(Level.WARNING);
            assertThat(r.getMessage()).isEqualTo(
                    "dispatch.policy learned fell back to strict: rolling reward 10.0 < strict shadow 20.0 over the last 1000 ms");
        });
    }
}
