package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.ClassSettings;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.intelligence.scheduling.TrafficClass;
import java.util.List;

/**
 * One workload as read from a workload file: per-class arrival rates and payloads, bursts that
 * multiply a class's rate, backend slowdowns, regime phases of the instruments, the backend's
 * service-time model and optional per-class deadline and weight overrides. Immutable; any thread.
 *
 * @param name workload name
 * @param durationNanos how long arrivals are generated
 * @param keys number of ordering keys (instruments) messages are spread over
 * @param service the backend's service-time model
 * @param classes the arriving classes
 * @param bursts rate multipliers over time
 * @param slowdowns service-time multipliers over time
 * @param regimes regime phases of a share of the instruments
 */
public record Workload(String name, long durationNanos, int keys, ServiceModel service, List<ClassLoad> classes,
                       List<Phase> bursts, List<Phase> slowdowns, List<RegimePhase> regimes) {

    /**
     * One arriving class.
     *
     * @param trafficClass declared class (regime rules may move it)
     * @param ratePerSecond mean Poisson arrival rate outside bursts
     * @param payloadBytes payload size, adding to the service time
     * @param kind message kind the regime rules match (order, cancel, quote, ...)
     * @param group ordering-key group: classes in one group share ordering keys per instrument
     * @param deadlineNanos deadline override, or 0 for the config's
     * @param weight weight override, or NaN for the config's
     */
    public record ClassLoad(TrafficClass trafficClass, double ratePerSecond, int payloadBytes, String kind,
                            String group, long deadlineNanos, double weight) {
    }

    /**
     * A multiplier active from {@code startNanos} for {@code lengthNanos}, repeating every
     * {@code everyNanos} (0: once); for bursts {@code trafficClass} says whose rate it multiplies.
     */
    public record Phase(TrafficClass trafficClass, double factor, long startNanos, long lengthNanos, long everyNanos) {

        /** Whether the phase is active at time t. */
        public boolean activeAt(long t) {
            if (t < startNanos) {
                return false;
            }
            long into = everyNanos > 0 ? (t - startNanos) % everyNanos : t - startNanos;
            return into < lengthNanos;
        }
    }

    /** A share of the instruments (the lowest-numbered keys) in a named regime for a while. */
    public record RegimePhase(String regime, double share, long startNanos, long lengthNanos) {

        /** Whether key is in this regime at time t. */
        public boolean covers(int key, int keys, long t) {
            return t >= startNanos && t < startNanos + lengthNanos && key < Math.round(share * keys);
        }
    }

    /** The rate multiplier of a class at time t (product of active bursts). */
    public double rateFactor(TrafficClass c, long t) {
        double f = 1;
        for (Phase b : bursts) {
            if (b.trafficClass() == c && b.activeAt(t)) {
                f *= b.factor();
            }
        }
        return f;
    }

    /** The largest rate multiplier a class can see (for thinning). */
    public double maxRateFactor(TrafficClass c) {
        double f = 1;
        for (Phase b : bursts) {
            if (b.trafficClass() == c) {
                f *= Math.max(1, b.factor());
            }
        }
        return f;
    }

    /** The service-time multiplier at time t (product of active slowdowns). */
    public double serviceFactor(long t) {
        double f = 1;
        for (Phase s : slowdowns) {
            if (s.activeAt(t)) {
                f *= s.factor();
            }
        }
        return f;
    }

    /** The regime of an instrument at time t; "CALM" outside every regime phase. */
    public String regimeOf(int key, long t) {
        for (RegimePhase r : regimes) {
            if (r.covers(key, keys, t)) {
                return r.regime();
            }
        }
        return "CALM";
    }

    /** The index of a key group, in order of first use; keys of group g are g * keys + instrument. */
    public int groupIndex(String group) {
        return (int) classes.stream().map(ClassLoad::group).distinct().takeWhile(g -> !g.equals(group)).count();
    }

    /** The config with this workload's deadline and weight overrides applied. */
    public SchedulingConfig applyTo(SchedulingConfig config) {
        SchedulingConfig out = config;
        for (ClassLoad c : classes) {
            ClassSettings s = out.of(c.trafficClass().ordinal());
            long deadline = c.deadlineNanos() > 0 ? c.deadlineNanos() : s.deadlineNanos();
            double weight = Double.isNaN(c.weight()) ? s.weight() : c.weight();
            out = out.with(c.trafficClass(), new ClassSettings(deadline, weight, Math.max(s.maxWaitNanos(), deadline), s.batch()));
        }
        return out;
    }
}
