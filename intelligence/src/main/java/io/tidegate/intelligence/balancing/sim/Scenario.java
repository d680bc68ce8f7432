package io.tidegate.intelligence.balancing.sim;

/**
 * One consumer-group setting to simulate: the members' mean service times, a member that is
 * slower by {@code factor} during {@code [slowFromNanos, slowUntilNanos)}, the service-time shape,
 * the run length, the offered load as a fraction of the group's capacity while the slow member is
 * slow, the credit window, and the number of ordering keys with strict key order on or off.
 * Immutable; any thread.
 *
 * @param name label in the tables
 * @param meanServiceNanos per member, when not slowed
 * @param slowMember the member that is slowed, or -1
 * @param factor how much slower it is in the slow window
 * @param slowFromNanos start of the slow window
 * @param slowUntilNanos end of the slow window (Long.MAX_VALUE: to the end)
 * @param lognormalSigma 0 for exponential service times, else lognormal with this sigma (same mean)
 * @param durationNanos how long messages arrive
 * @param load arrival rate over the capacity in the slow window
 * @param creditWindow credit each member keeps granted (it grants one back per ack)
 * @param keys number of ordering keys, uniform
 * @param strictKeyOrder whether the group runs with strict key order
 */
public record Scenario(String name, long[] meanServiceNanos, int slowMember, double factor, long slowFromNanos,
                       long slowUntilNanos, double lognormalSigma, long durationNanos, double load, int creditWindow,
                       int keys, boolean strictKeyOrder) {

    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;
    private static final long[] FOUR_MEMBERS = {MS, MS, MS, MS};

    /** Four members of 1 ms mean, one of them (member 3) 10× slower all the time. */
    public static Scenario slowMember(long durationNanos) {
        return new Scenario("slow-member", FOUR_MEMBERS, 3, 10, 0, Long.MAX_VALUE, 0, durationNanos, 0.7, 10, 1000,
                false);
    }

    /** Four members of 1 ms mean; member 3 turns 10× slower a third into the run and stays so. */
    public static Scenario slowsDown(long durationNanos) {
        return new Scenario("slows-down", FOUR_MEMBERS, 3, 10, durationNanos / 3, Long.MAX_VALUE, 0, durationNanos,
                0.7, 10, 1000, false);
    }

    /** As {@link #slowsDown} but member 3 recovers two thirds into the run (probing must find it again). */
    public static Scenario slowsDownAndRecovers(long durationNanos) {
        return new Scenario("slow-then-recover", FOUR_MEMBERS, 3, 10, durationNanos / 3, 2 * durationNanos / 3, 0,
                durationNanos, 0.7, 10, 1000, false);
    }

    /** This scenario with lognormal service times of the given sigma. */
    public Scenario lognormal(double sigma) {
        return new Scenario(name + "/lognormal", meanServiceNanos, slowMember, factor, slowFromNanos, slowUntilNanos,
                sigma, durationNanos, load, creditWindow, keys, strictKeyOrder);
    }

    /** This scenario with strict key order over the given number of keys. */
    public Scenario strict(int keyCount) {
        return new Scenario(name + "/strict", meanServiceNanos, slowMember, factor, slowFromNanos, slowUntilNanos,
                lognormalSigma, durationNanos, load, creditWindow, keyCount, true);
    }

    public int members() {
        return meanServiceNanos.length;
    }

    /** Messages per second the group can serve while the slow member is slow. */
    public double capacityPerSecond() {
        double c = 0;
        for (int m = 0; m < meanServiceNanos.length; m++) {
            c += S / (meanServiceNanos[m] * (m == slowMember ? factor : 1.0));
        }
        return c;
    }

    /** Mean service time of the member for a service starting at {@code nowNanos}. */
    public double meanServiceNanos(int member, long nowNanos) {
        boolean slow = member == slowMember && nowNanos >= slowFromNanos && nowNanos < slowUntilNanos;
        return meanServiceNanos[member] * (slow ? factor : 1.0);
    }
}
