package io.tidegate.intelligence.balancing.sim;

import java.util.SplittableRandom;

/**
 * The messages of one run, generated once per seed so both balancers see the same publishes and
 * the same work: publish time (Poisson), ordering key (uniform) and a unit work draw (mean 1,
 * exponential or lognormal) that the member serving it multiplies by its mean service time at
 * that moment (common random numbers). Immutable after {@link #generate}; any thread.
 */
public final class GroupArrivals {

    public final int size;
    public final long[] time;
    public final int[] key;
    public final double[] work;

    private GroupArrivals(int size) {
        this.size = size;
        time = new long[size];
        key = new int[size];
        work = new double[size];
    }

    /** Poisson publishes at the scenario's load for its duration. */
    public static GroupArrivals generate(Scenario s, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double rate = s.load() * s.capacityPerSecond();
        double meanGap = Scenario.S / rate;
        int n = (int) (rate * s.durationNanos() / Scenario.S);
        GroupArrivals a = new GroupArrivals(n);
        double t = 0;
        double sigma = s.lognormalSigma();
        for (int i = 0; i < n; i++) {
            t += -Math.log(1 - rng.nextDouble()) * meanGap;
            a.time[i] = (long) t;
            a.key[i] = rng.nextInt(s.keys());
            a.work[i] = sigma == 0 ? -Math.log(1 - rng.nextDouble())
                    : Math.exp(sigma * gaussian(rng) - sigma * sigma / 2);
        }
        return a;
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller; SplittableRandom has nextGaussian only from Java 17's RandomGenerator default
        return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
    }
}
