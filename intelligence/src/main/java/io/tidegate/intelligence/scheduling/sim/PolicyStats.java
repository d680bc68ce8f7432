package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.TrafficClass;
import java.util.ArrayList;
import java.util.List;

/**
 * One policy's results on one workload over several seeds: per seed the weighted misses, misses
 * per class and p50/p99 per class, with means and spread. Filled by {@link Evaluation}; read after.
 * Single-threaded.
 */
public final class PolicyStats {

    public final String policy;
    final List<Double> weightedMisses = new ArrayList<>();
    final List<int[]> misses = new ArrayList<>();
    final List<long[]> p50 = new ArrayList<>();
    final List<long[]> p99 = new ArrayList<>();
    int fallbacks;

    PolicyStats(String policy) {
        this.policy = policy;
    }

    void add(SimResult r) {
        weightedMisses.add(r.weightedMisses());
        misses.add(r.missesPerClass());
        long[] a = new long[TrafficClass.COUNT];
        long[] b = new long[TrafficClass.COUNT];
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            a[c] = r.latencyQuantile(c, 0.50);
            b[c] = r.latencyQuantile(c, 0.99);
        }
        p50.add(a);
        p99.add(b);
        if (r.fellBack) {
            fallbacks++;
        }
    }

    /** Weighted misses of each seed, in seed order. */
    public double weightedMisses(int seedIndex) {
        return weightedMisses.get(seedIndex);
    }

    public int seeds() {
        return weightedMisses.size();
    }

    public double meanWeightedMisses() {
        return weightedMisses.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    /** Sample standard deviation of the weighted misses over the seeds. */
    public double sdWeightedMisses() {
        double m = meanWeightedMisses();
        double ss = weightedMisses.stream().mapToDouble(x -> (x - m) * (x - m)).sum();
        return seeds() > 1 ? Math.sqrt(ss / (seeds() - 1)) : 0;
    }

    public double meanMisses(int c) {
        return misses.stream().mapToInt(m -> m[c]).average().orElse(0);
    }

    /** Mean over seeds of the per-seed p50 of a class, in nanoseconds. */
    public double meanP50(int c) {
        return p50.stream().mapToLong(m -> m[c]).average().orElse(0);
    }

    /** Mean over seeds of the per-seed p99 of a class, in nanoseconds. */
    public double meanP99(int c) {
        return p99.stream().mapToLong(m -> m[c]).average().orElse(0);
    }

    /** Runs in which the watchdog fell back to strict. */
    public int fallbacks() {
        return fallbacks;
    }
}
