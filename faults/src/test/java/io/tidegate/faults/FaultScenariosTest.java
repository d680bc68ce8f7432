package io.tidegate.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault scenarios of issues 4 and 17 on real processes, in their short versions (seconds each);
 * {@code scripts/fault-tests.sh} runs the full-length ones. Each asserts the scenario's checks
 * (nothing acknowledged lost, duplicates only where allowed, every stream served).
 */
class FaultScenariosTest {

    @TempDir
    Path workDir;

    private Report run(Scenario scenario) throws Exception {
        Report report = scenario.run(new Settings(false, workDir));
        System.out.println(report);
        return report;
    }

    @Test
    void redisKilledMidStreamAndRestartedLosesNoAckedMessage() throws Exception {
        Report r = run(new RedisRestartScenario());
        assertThat(r.failedChecks()).isEmpty();
        assertThat(r.number("broadcast.lost")).isZero();
        assertThat(r.number("group.lost")).isZero();
    }

    @Test
    void replicaKilledWithPendingGroupMessagesLosesNothingAndDuplicatesOnlyTheUnacked() throws Exception {
        Report r = run(new ReplicaKillScenario());
        assertThat(r.failedChecks()).isEmpty();
        assertThat(r.number("group.lost")).isZero();
        assertThat(r.number("duplicates.not.held")).isZero();
    }

    @Test
    void rollingRestartOfTwoReplicasUnderLoadLosesNothing() throws Exception {
        Report r = run(new RollingRestartScenario());
        assertThat(r.failedChecks()).isEmpty();
        assertThat(r.number("failed")).isZero();
        assertThat(r.number("broadcast.lost")).isZero();
        assertThat(r.number("group.lost")).isZero();
    }

    @Test
    void stalledSubscriberLeavesOthersServedAndCatchesUpAfterwards() throws Exception {
        Report r = run(new StalledSubscriberScenario());
        assertThat(r.failedChecks()).isEmpty();
        // the stalled backlog stays in Redis, not in the gateway heap (live set after a full GC)
        assertThat(r.number("heap.during.live.mib")).isLessThan(r.number("heap.before.live.mib") + 64);
    }

    @Test
    void subscriberThatStopsReadingWithAMillionCreditsLeavesASmallHeapGatewayHealthyAndCatchesUpInOrder()
            throws Exception {
        Report r = run(new StalledHeapScenario());
        assertThat(r.failedChecks()).isEmpty();
        assertThat(r.number("failed")).isZero();
        assertThat(r.number("stalled.lost")).isZero();
        assertThat(r.number("stalled.duplicated")).isZero();
    }

    @Test
    void manyConcurrentStreamsAreAllWelcomedAndServed() throws Exception {
        Report r = run(new ManyStreamsScenario());
        assertThat(r.failedChecks()).isEmpty();
        assertThat(r.number("delivered")).isEqualTo(r.number("streams"));
    }

    @Test
    void tenThousandConnectStreamsOnOneGatewayWithRedisAreAllServedOverAFewRedisConnections() throws Exception {
        Report r = run(ManyStreamsScenario.onRedis(4, 10_000));
        assertThat(r.failedChecks()).isEmpty();
        assertThat(r.number("streams")).isEqualTo(10_000);
        assertThat(r.number("welcomed")).isEqualTo(10_000);
        assertThat(r.number("subscribed")).isEqualTo(10_000);
        assertThat(r.number("delivered")).isEqualTo(10_000);
        // the most connected_clients sampled on the redis-server while all 10,000 were open
        assertThat(r.number("redis.clients.most")).isBetween(1L, 64L);
    }
}
