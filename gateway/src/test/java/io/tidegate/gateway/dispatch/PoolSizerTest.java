package io.tidegate.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.config.GatewayConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The sizing rules on a hand-driven clock. */
class PoolSizerTest {

    private static final long MS = 1_000_000;
    private final PoolSizer sizer = new PoolSizer(new GatewayConfig.Workers(1, 50, 100, Duration.ofMillis(5),
            Duration.ofMillis(20), Duration.ofSeconds(10), Duration.ofMillis(5)), 0);

    @Test
    void doublesAfterSustainedPressureOnly() {
        assertThat(sizer.sample(5 * MS, 500, 0, 1)).isEqualTo(1);
        assertThat(sizer.sample(10 * MS, 0, 0, 1)).as("a pressure-free moment").isEqualTo(1);
        assertThat(sizer.sample(30 * MS, 0, 0, 1)).as("pressure broke off for 20 ms").isEqualTo(1);
        assertThat(sizer.sample(35 * MS, 0, 6 * MS, 1)).isEqualTo(1);
        assertThat(sizer.sample(45 * MS, 0, 0, 1)).as("a wave of waiting ended, the next comes soon").isEqualTo(1);
        assertThat(sizer.sample(55 * MS, 0, 6 * MS, 1)).as("pressure in waves for 20 ms").isEqualTo(2);
        pressWithEveryWorkerBusy(55 * MS, 10);
        assertThat(sizer.target()).as("capped at max").isEqualTo(50);
    }

    @Test
    void growsOnlyWhileEveryWorkerIsBusy() {
        long t = pressWithEveryWorkerBusy(0, 4);
        assertThat(sizer.target()).isEqualTo(8);
        for (int i = 0; i < 10; i++) {
            t += 20 * MS;
            sizer.sample(t, 500, 6 * MS, 7);
        }
        assertThat(sizer.target()).as("messages wait, but not for want of a worker: one stayed idle").isEqualTo(8);
        t += 20 * MS;
        assertThat(sizer.sample(t, 500, 0, 8)).as("all busy while messages still wait").isEqualTo(16);
    }

    @Test
    void shrinksByHalfTheSurplusPerQuietPeriodButKeepsWhatWasBusy() {
        long t = pressWithEveryWorkerBusy(0, 8);
        assertThat(sizer.target()).isEqualTo(50);
        t += 9_000 * MS;
        assertThat(sizer.sample(t, 0, 0, 10)).as("not yet quiet for 10 s").isEqualTo(50);
        t += 1_000 * MS;
        assertThat(sizer.sample(t, 0, 0, 10)).isEqualTo(30);
        t += 10_000 * MS;
        assertThat(sizer.sample(t, 0, 0, 10)).isEqualTo(20);
        for (int i = 0; i < 10; i++) {
            t += 10_000 * MS;
            sizer.sample(t, 0, 0, 10);
        }
        assertThat(sizer.target()).as("a load that keeps 10 busy keeps 10").isEqualTo(10);
        for (int i = 0; i < 10; i++) {
            t += 10_000 * MS;
            sizer.sample(t, 0, 0, 0);
        }
        assertThat(sizer.target()).isEqualTo(1);
    }

    /** Samples every 20 ms with 500 messages waiting and every worker busy; returns the last time. */
    private long pressWithEveryWorkerBusy(long t, int samples) {
        for (int i = 0; i < samples; i++) {
            t += 20 * MS;
            sizer.sample(t, 500, 0, sizer.target());
        }
        return t;
    }
}
