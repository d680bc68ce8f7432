package io.tidegate.intelligence.scheduling;

/**
 * A cheap single-server simulation of strict priority fed the same arrivals as the real lanes,
 * so the watchdog can tell what strict would have earned. Service times are replayed from the
 * recently measured ones. Each class remembers at most a configured number of waiting arrivals;
 * beyond that an arrival counts as missed, so memory is bounded by configuration.
 *
 * <p>Threading: the drain thread only.
 */
final class StrictShadow {

    private static final int SERVICE_SAMPLES = 256;

    private final long[][] queue;
    private final int[] head = new int[TrafficClass.COUNT];
    private final int[] size = new int[TrafficClass.COUNT];
    private final long[] deadline = new long[TrafficClass.COUNT];
    private final double[] weight = new double[TrafficClass.COUNT];
    private final long[] services = new long[SERVICE_SAMPLES];
    private int servicesKnown;
    private int serviceWrite;
    private int serviceRead;
    private long freeAt;
    private double earned;

    StrictShadow(SchedulingConfig config) {
        queue = new long[TrafficClass.COUNT][config.shadowCapacity()];
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            deadline[c] = config.of(c).deadlineNanos();
            weight[c] = config.of(c).weight();
        }
    }

    void arrive(int c, long now) {
        advance(now);
        long[] q = queue[c];
        if (size[c] == q.length) {
            return; // over the bound: it would have missed anyway in any realistic strict run
        }
        q[(head[c] + size[c]) % q.length] = now;
        size[c]++;
    }

    void measured(long serviceNanos) {
        services[serviceWrite] = serviceNanos;
        serviceWrite = (serviceWrite + 1) % SERVICE_SAMPLES;
        servicesKnown = Math.min(servicesKnown + 1, SERVICE_SAMPLES);
    }

    /** Serves, strictly by class, everything that strict would have started by {@code now}. */
    void advance(long now) {
        while (servicesKnown > 0) {
            long earliest = earliestHead();
            if (earliest == Long.MAX_VALUE) {
                return;
            }
            long start = Math.max(freeAt, earliest);
            if (start > now) {
                return; // later arrivals are not known yet
            }
            int c = highestWaitingBy(start);
            long arrival = queue[c][head[c]];
            head[c] = (head[c] + 1) % queue[c].length;
            size[c]--;
            long done = start + nextService();
            if (done - arrival <= deadline[c]) {
                earned += weight[c];
            }
            freeAt = done;
        }
    }

    private long earliestHead() {
        long earliest = Long.MAX_VALUE;
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (size[c] > 0) {
                earliest = Math.min(earliest, queue[c][head[c]]);
            }
        }
        return earliest;
    }

    /** The highest class with a message that had arrived by the time the server picks. */
    private int highestWaitingBy(long start) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            if (size[c] > 0 && queue[c][head[c]] <= start) {
                return c;
            }
        }
        throw new IllegalStateException("no arrival by " + start);
    }

    private long nextService() {
        long s = services[serviceRead % servicesKnown];
        serviceRead = (serviceRead + 1) % SERVICE_SAMPLES;
        return s;
    }

    /** Weighted deadlines met so far. */
    double earned() {
        return earned;
    }
}
