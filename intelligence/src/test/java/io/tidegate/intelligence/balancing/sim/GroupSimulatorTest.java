package io.tidegate.intelligence.balancing.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.intelligence.balancing.BalancerKind;
import io.tidegate.intelligence.balancing.BalancerSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GroupSimulatorTest {

    private static final long DURATION = 10 * Scenario.S;

    @ParameterizedTest
    @CsvSource({"PULL,1", "PREDICTIVE,1", "PREDICTIVE,2"})
    void theSameSeedGivesTheSameRun(BalancerKind kind, int replicas) {
        Scenario s = Scenario.slowsDown(DURATION).strict(200);
        RunResult first = GroupSimulator.run(s, GroupArrivals.generate(s, 7), kind, replicas,
                BalancerSettings.defaults());
        RunResult second = GroupSimulator.run(s, GroupArrivals.generate(s, 7), kind, replicas,
                BalancerSettings.defaults());
        RunResult other = GroupSimulator.run(s, GroupArrivals.generate(s, 8), kind, replicas,
                BalancerSettings.defaults());
        for (double q : new double[] {0.5, 0.99, 0.999, 1.0}) {
            assertThat(second.percentileNanos(q)).isEqualTo(first.percentileNanos(q));
        }
        for (int m = 0; m < s.members(); m++) {
            assertThat(second.served(m)).isEqualTo(first.served(m));
        }
        assertThat(other.percentileNanos(0.99)).isNotEqualTo(first.percentileNanos(0.99));
    }

    /**
     * Few keys, so most messages find their key held: every one must go to the holder, one out
     * per key, in publish order; the simulator checks each delivery and ack against that.
     */
    @ParameterizedTest
    @CsvSource({"PULL,1", "PULL,2", "PREDICTIVE,1", "PREDICTIVE,2"})
    void strictKeyOrderHoldsUnderEitherBalancerAndEveryMessageIsAckedOnce(BalancerKind kind, int replicas) {
        Scenario s = Scenario.slowMember(DURATION).strict(8);
        GroupArrivals a = GroupArrivals.generate(s, 11);
        RunResult r = GroupSimulator.run(s, a, kind, replicas, BalancerSettings.defaults());
        assertThat(r.orderViolations()).isZero();
        assertThat(r.messages()).isEqualTo(a.size);
        long served = 0;
        for (int m = 0; m < s.members(); m++) {
            served += r.served(m);
        }
        assertThat(served).isEqualTo(a.size);
        assertThat(r.percentileNanos(0)).isPositive();
    }

    @ParameterizedTest
    @CsvSource({"PULL", "PREDICTIVE"})
    void withManyKeysHeldByTheSlowMemberItsKeysStillOnlyGoToIt(BalancerKind kind) {
        // a hot set of 2 keys at 70 % load: keys are almost always held, often by the slow member
        Scenario s = Scenario.slowMember(DURATION).strict(2);
        RunResult r = GroupSimulator.run(s, GroupArrivals.generate(s, 12), kind, 1, BalancerSettings.defaults());
        assertThat(r.orderViolations()).isZero();
        assertThat(r.messages()).isPositive();
    }
}
