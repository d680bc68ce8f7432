package io.tidegate.intelligence.balancing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PredictiveBalancerTest {

    private static final long US = 1_000L;
    private static final long MS = 1_000_000L;

    /**
     * Members working one message at a time with fixed service times (changeable between
     * phases), a message offered every {@code gapNanos}, credit never the limit. Counts what the
     * balancer assigned to each member.
     */
    private static final class Group {
        final GroupBalancer b;
        final long[] service;
        final long[] freeAt;
        final int[] queued;
        final long[] nextDone;
        long t;

        Group(GroupBalancer b, long... service) {
            this.b = b;
            this.service = service.clone();
            int n = service.length;
            freeAt = new long[n];
            queued = new int[n];
            nextDone = new long[n];
            java.util.Arrays.fill(nextDone, Long.MAX_VALUE);
            for (int m = 0; m < n; m++) {
                b.join(m, 0);
                b.grant(m, 1_000_000, 0);
            }
        }

        long[] offer(long gapNanos, int messages) {
            long[] assigned = new long[service.length];
            for (int i = 0; i < messages; i++) {
                t += gapNanos;
                ackUntil(t);
                int m = b.pick(t, GroupBalancer.NONE);
                b.delivered(m, t);
                assigned[m]++;
                if (queued[m]++ == 0) {
                    nextDone[m] = Math.max(t, freeAt[m]) + service[m];
                }
            }
            return assigned;
        }

        private void ackUntil(long until) {
            while (true) {
                int next = -1;
                for (int m = 0; m < service.length; m++) {
                    if (nextDone[m] <= until && (next < 0 || nextDone[m] < nextDone[next])) {
                        next = m;
                    }
                }
                if (next < 0) {
                    return;
                }
                long done = nextDone[next];
                b.acked(next, done);
                b.grant(next, 1, done);
                queued[next]--;
                freeAt[next] = done;
                nextDone[next] = queued[next] > 0 ? done + service[next] : Long.MAX_VALUE;
            }
        }
    }

    private static double slowOverFast(long[] assigned) {
        return assigned[3] / ((assigned[0] + assigned[1] + assigned[2]) / 3.0);
    }

    @Test
    void aTenTimesSlowerMemberIsAssignedAboutATenthOfAFastMembersShare() {
        // offered at 110 % of the group's capacity (3.1 messages per ms), so every member is needed
        long gap = Math.round(MS / (1.1 * 3.1));
        long[] predictive = new Group(new PredictiveBalancer(4, BalancerSettings.defaults()), MS, MS, MS, 10 * MS)
                .offer(gap, 60_000);
        assertThat(slowOverFast(predictive)).isBetween(0.08, 0.125);

        // the baseline hands out by read order, an equal share each, as long as there is credit
        long[] pull = new Group(new PullBalancer(4), MS, MS, MS, 10 * MS).offer(gap, 60_000);
        assertThat(slowOverFast(pull)).isGreaterThan(0.9);
    }

    @Test
    void aMemberThatRecoversIsProbedAndGetsItsShareBack() {
        long gap = Math.round(MS / (0.7 * 3.1));
        PredictiveBalancer b = new PredictiveBalancer(4, BalancerSettings.defaults());
        Group g = new Group(b, MS, MS, MS, 10 * MS);
        assertThat(slowOverFast(g.offer(gap, 20_000))).isLessThan(0.1);
        assertThat(b.predictor(3).smoothedServiceNanos()).isGreaterThan(5.0 * MS);

        // member 3 recovers and is now the fastest, at a load the other three could carry alone:
        // only a probe can find that out, and once found it should take the most
        g.service[3] = MS / 2;
        g.offer(gap, 5_000);
        assertThat(b.predictor(3).smoothedServiceNanos()).isLessThan(0.75 * MS);
        assertThat(slowOverFast(g.offer(gap, 20_000))).isGreaterThan(1.0);
    }

    @Test
    void aMemberThatSlowsDownIsAssignedLessWithinASecond() {
        long gap = Math.round(MS / (0.7 * 4));
        Group g = new Group(new PredictiveBalancer(4, BalancerSettings.defaults()), MS, MS, MS, MS);
        // equal members at 70 %: ties go to the lower slots, so member 3 gets a smaller but real share
        double before = slowOverFast(g.offer(gap, 20_000));
        assertThat(before).isGreaterThan(0.1);
        g.service[3] = 10 * MS;
        long perSecond = Math.round(1e9 / gap);
        assertThat(slowOverFast(g.offer(gap, (int) perSecond))).isLessThan(before / 4);
    }

    @Test
    void withoutProbingARecoveredMemberWouldStayStarved() {
        BalancerSettings noProbe = new BalancerSettings(0.2, 100 * MS, Long.MAX_VALUE / 4, 16, MS, 3.0,
                QueuePenalty.LINEAR);
        long gap = Math.round(MS / (0.7 * 3.1));
        Group g = new Group(new PredictiveBalancer(4, noProbe), MS, MS, MS, 10 * MS);
        g.offer(gap, 20_000);
        g.service[3] = MS / 2;
        g.offer(gap, 5_000);
        assertThat(slowOverFast(g.offer(gap, 20_000))).isLessThan(0.1);
    }

    @Test
    void aHeldKeyGoesToItsHolderOrWaitsEvenWhenAnotherMemberIsBetter() {
        PredictiveBalancer b = new PredictiveBalancer(4, BalancerSettings.defaults());
        for (int m = 0; m < 4; m++) {
            b.join(m, 0);
            b.grant(m, 1, 0);
        }
        b.delivered(3, 0);
        b.acked(3, 50 * MS);
        b.grant(3, 5, 50 * MS);
        for (int i = 0; i < 5; i++) {
            b.delivered(3, 50 * MS);
        }
        assertThat(b.pick(50 * MS, GroupBalancer.NONE)).isNotEqualTo(3);
        assertThat(b.pick(50 * MS, 3)).isEqualTo(GroupBalancer.NONE); // holder has no credit: wait, never another
        b.grant(3, 1, 50 * MS);
        assertThat(b.pick(50 * MS, 3)).isEqualTo(3);

        PullBalancer pull = new PullBalancer(2);
        pull.join(0, 0);
        pull.join(1, 0);
        pull.grant(0, 1, 0);
        assertThat(pull.pick(0, 1)).isEqualTo(GroupBalancer.NONE);
        assertThat(pull.pick(0, 0)).isZero();
    }

    @Test
    void tiesGoToTheMemberWithFewerOutstanding() {
        PredictiveBalancer b = new PredictiveBalancer(3, BalancerSettings.defaults());
        for (int m = 0; m < 3; m++) {
            b.join(m, 0);
            b.grant(m, 10, 0);
        }
        assertThat(new int[] {b.pick(1, GroupBalancer.NONE)}).containsAnyOf(0, 1, 2);
        b.delivered(0, 1);
        b.delivered(1, 1);
        assertThat(b.pick(1, GroupBalancer.NONE)).isEqualTo(2);
    }

    @Test
    void aMemberWithoutCreditOrThatLeftIsNeverPicked() {
        PredictiveBalancer b = new PredictiveBalancer(2, BalancerSettings.defaults());
        b.join(0, 0);
        b.join(1, 0);
        b.grant(1, 1, 0);
        assertThat(b.pick(US, GroupBalancer.NONE)).isEqualTo(1);
        b.leave(1);
        assertThat(b.pick(US, GroupBalancer.NONE)).isEqualTo(GroupBalancer.NONE);
        assertThat(BalancerKind.parse(" Predictive ")).isEqualTo(BalancerKind.PREDICTIVE);
    }

    /** Two members, one with a 1 ms and one with a 10 ms service estimate from one sample each. */
    private static PredictiveBalancer fastAndSlow() {
        PredictiveBalancer b = new PredictiveBalancer(2, BalancerSettings.defaults());
        for (int m = 0; m < 2; m++) {
            b.join(m, 0);
            b.grant(m, 100, 0);
        }
        b.delivered(0, 0);
        b.acked(0, MS);
        b.delivered(1, 0);
        b.acked(1, 10 * MS);
        return b;
    }

    @Test
    void readsAreSizedSoTheFastMemberStaysWithinTheBoundAndTheSlowOneWaitsForTheBacklog() {
        PredictiveBalancer b = fastAndSlow();
        long now = 10 * MS;
        // bound 3 ms: the fast member may hold three, the slow one (10 ms) none
        assertThat(b.admissible(0, now, 0, 10)).isEqualTo(3);
        assertThat(b.admissible(1, now, 0, 10)).isZero();
        // the slow member would be admitted once the oldest unread message waited 7 ms more
        assertThat(b.nanosUntilAdmitted(1, now, 0)).isEqualTo(7 * MS);
        assertThat(b.admissible(1, now, 7 * MS, 10)).isEqualTo(1);
        assertThat(b.admissible(0, now, 7 * MS, 5)).isEqualTo(5);
    }

    @Test
    void whenEveryMemberStallsTheOneWithTheLowestPredictionIsStillAdmittedOnceAMessageWaits() {
        PredictiveBalancer b = fastAndSlow();
        // both hold a message for a whole second without acking: both look far slower than the bound
        b.delivered(0, 10 * MS);
        b.delivered(1, 10 * MS);
        b.delivered(1, 10 * MS);
        long now = 1_010 * MS;
        assertThat(b.admits(0, now, 0)).isFalse();
        assertThat(b.admits(0, now, 3 * MS)).as("lowest prediction, a message waited 3x the best estimate").isTrue();
        assertThat(b.admits(1, now, 3 * MS)).as("not the lowest prediction").isFalse();
        assertThat(b.nanosUntilAdmitted(0, now, MS)).isEqualTo(2 * MS);
    }
}
