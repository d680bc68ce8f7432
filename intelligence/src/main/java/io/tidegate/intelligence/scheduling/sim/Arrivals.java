package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.RegimeRules;
import io.tidegate.intelligence.scheduling.TrafficClass;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The messages of one workload run, generated once per seed so every policy sees exactly the
 * same arrivals and service times: arrival time, effective class (after the regime rules), key,
 * base service time and whether the instrument was volatile. Sorted by arrival time. Immutable
 * after {@link #generate}; any thread.
 */
public final class Arrivals {

    public final int size;
    public final long[] time;
    public final int[] classIndex;
    public final int[] key;
    public final long[] service;
    public final boolean[] volatileInstrument;

    private Arrivals(int size) {
        this.size = size;
        time = new long[size];
        classIndex = new int[size];
        key = new int[size];
        service = new long[size];
        volatileInstrument = new boolean[size];
    }

    private record Raw(long time, int classIndex, int key, long service, boolean volatileInstrument) {
    }

    /** Poisson arrivals per class (thinned for bursts), keys uniform, service times from the model. */
    public static Arrivals generate(Workload w, RegimeRules rules, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        List<Raw> raw = new ArrayList<>();
        for (Workload.ClassLoad load : w.classes()) {
            SplittableRandom rng = root.split();
            double peak = load.ratePerSecond() * w.maxRateFactor(load.trafficClass());
            if (peak <= 0) {
                continue;
            }
            int keyBase = w.groupIndex(load.group()) * w.keys();
            double t = 0;
            while (true) {
                t += -Math.log(1 - rng.nextDouble()) * 1e9 / peak;
                long at = (long) t;
                if (at >= w.durationNanos()) {
                    break;
                }
                double keep = load.ratePerSecond() * w.rateFactor(load.trafficClass(), at) / peak;
                int k = rng.nextInt(w.keys());
                long service = w.service().sample(rng, load.payloadBytes());
                if (rng.nextDouble() >= keep) {
                    continue;
                }
                String regime = w.regimeOf(k, at);
                TrafficClass effective = rules.effectiveClass(load.trafficClass(), load.kind(), regime);
                raw.add(new Raw(at, effective.ordinal(), keyBase + k, service, regime.equals("VOLATILE")));
            }
        }
        raw.sort(Comparator.comparingLong(Raw::time));
        Arrivals a = new Arrivals(raw.size());
        for (int i = 0; i < a.size; i++) {
            Raw r = raw.get(i);
            a.time[i] = r.time();
            a.classIndex[i] = r.classIndex();
            a.key[i] = r.key();
            a.service[i] = r.service();
            a.volatileInstrument[i] = r.volatileInstrument();
        }
        return a;
    }

    /** Messages per class. */
    public int[] countPerClass() {
        int[] n = new int[TrafficClass.COUNT];
        for (int c : classIndex) {
            n[c]++;
        }
        return n;
    }

    @Override
    public String toString() {
        return size + " arrivals " + Arrays.toString(countPerClass());
    }
}
