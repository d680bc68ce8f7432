package io.tidegate.gateway.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tidegate.gateway.dispatch.DispatchStats;
import io.tidegate.proto.v1.Priority;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ThroughputObjectiveTest {

    private static final long MS = 1_000_000;

    /** Counters set by the test. */
    private static final class Stats implements DispatchStats {
        final Map<Priority, Long> dispatched = new EnumMap<>(Priority.class);
        final Map<Priority, Long> delay = new EnumMap<>(Priority.class);

        void add(Priority p, long messages, long delayNanosEach) {
            dispatched.merge(p, messages, Long::sum);
            delay.merge(p, messages * delayNanosEach, Long::sum);
        }

        @Override
        public int workers() {
            return 1;
        }

        @Override
        public int busyWorkers() {
            return 0;
        }

        @Override
        public int queueDepth(Priority priority) {
            return 0;
        }

        @Override
        public long dispatched(Priority priority) {
            return dispatched.getOrDefault(priority, 0L);
        }

        @Override
        public long queueingDelayNanosTotal(Priority priority) {
            return delay.getOrDefault(priority, 0L);
        }

        @Override
        public long oldestWaitNanos(Priority priority) {
            return 0;
        }
    }

    private final Stats stats = new Stats();
    private long delivered;
    private long now = 5_000 * MS;
    private final ThroughputObjective objective = new ThroughputObjective(stats, () -> delivered, MS, 5 * MS, () -> now);

    @Test
    void isTheDispatchRateOfEveryClassAndTheDeliveryRateOverTheInterval() {
        stats.add(Priority.PRIORITY_NORMAL, 3_000, 0);
        stats.add(Priority.PRIORITY_BULK, 1_000, 0);
        delivered += 6_000;
        now += 500 * MS;
        assertThat(objective.measure().ingress()).isCloseTo(8_000, within(1e-6));
        stats.add(Priority.PRIORITY_NORMAL, 1_000, 0);
        delivered += 3_000;
        now += 1_000 * MS;
        var reading = objective.measure();
        assertThat(reading.ingress()).isCloseTo(1_000, within(1e-6));
        assertThat(reading.delivery()).isCloseTo(3_000, within(1e-6));
    }

    @Test
    void shrinksByHowFarTheUrgentClassesMissTheirDeadlineOnAverage() {
        stats.add(Priority.PRIORITY_NORMAL, 10_000, 0);
        stats.add(Priority.PRIORITY_CRITICAL, 100, 4 * MS); // deadline 1 ms: a quarter
        stats.add(Priority.PRIORITY_HIGH, 100, 10 * MS); // deadline 5 ms: a half
        delivered += 20_000;
        now += 1_000 * MS;
        var reading = objective.measure();
        assertThat(reading.ingress()).isCloseTo(10_200 * 0.25, within(1e-6));
        assertThat(reading.delivery()).isCloseTo(20_000 * 0.25, within(1e-6));

        stats.add(Priority.PRIORITY_NORMAL, 10_000, 0);
        stats.add(Priority.PRIORITY_HIGH, 100, MS); // met
        now += 1_000 * MS;
        assertThat(objective.measure().ingress()).isCloseTo(10_100, within(1e-6));
    }
}
