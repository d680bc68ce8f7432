package io.tidegate.bench;

import com.google.protobuf.UnsafeByteOperations;
import io.tidegate.intelligence.scheduling.RegimeRules;
import io.tidegate.intelligence.scheduling.sim.Arrivals;
import io.tidegate.intelligence.scheduling.sim.Workload;
import io.tidegate.intelligence.scheduling.sim.WorkloadParser;
import io.tidegate.proto.v1.Message;
import io.tidegate.sdk.TidegateClient;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One publisher thread replaying a scheduling workload file ({@code --workload}) in real time:
 * the simulator's arrivals for the seed (times, effective classes after the regime rules, ordering
 * keys shared as the workload's groups share them, payload sizes), every {@code scale}-th of a
 * second per workload second, repeated until {@link #stop()}. Publisher {@code p} of {@code n}
 * sends arrivals {@code i} with {@code i % n == p}. Each message carries its intended send time
 * (coordinated-omission correction) in its first 8 payload bytes. The replay's time zero is
 * given, so every publisher and an emulated backend ({@link ServiceTimeBackend}) share one
 * timeline. The backend's service time is the real backend's unless the load tool emulates the
 * workload's. Runs on its own thread.
 */
final class WorkloadLoop implements Runnable {

    private final TidegateClient client;
    private final String[] topics;
    private final Arrivals arrivals;
    private final Workload workload;
    private final double scale;
    private final int publisher;
    private final int publishers;
    private final LongAdder sent;
    private final LongAdder acked;
    private final LongAdder failed;
    private final byte[][] filler;
    private final java.util.function.LongSupplier start;
    private volatile boolean running = true;

    WorkloadLoop(TidegateClient client, String[] topics, Arrivals arrivals, Workload workload, double scale,
                 int publisher, int publishers, LongAdder sent, LongAdder acked, LongAdder failed,
                 java.util.function.LongSupplier start) {
        this.start = start;
        this.client = client;
        this.topics = topics;
        this.arrivals = arrivals;
        this.workload = workload;
        this.scale = scale;
        this.publisher = publisher;
        this.publishers = publishers;
        this.sent = sent;
        this.acked = acked;
        this.failed = failed;
        this.filler = new byte[PriorityMix.CLASSES.length][];
        for (Workload.ClassLoad load : workload.classes()) {
            filler[load.trafficClass().ordinal()] = new byte[Math.max(8, load.payloadBytes())];
        }
    }

    /** The workload's arrivals for a seed, with the default regime rules (as the simulator uses them). */
    static Arrivals arrivals(Workload workload, long seed) {
        return Arrivals.generate(workload, RegimeRules.parse(RegimeRules.DEFAULTS), seed);
    }

    /** The workload file shipped under that name (steady, burst2x, regime-shock). */
    static Workload workload(String name) {
        return WorkloadParser.resource(name);
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        long start = this.start.getAsLong();
        long period = (long) (workload.durationNanos() / scale);
        for (long cycle = 0; running; cycle++) {
            long base = start + cycle * period;
            for (int i = publisher; i < arrivals.size && running; i += publishers) {
                long due = base + (long) (arrivals.time[i] / scale);
                long wait = due - System.nanoTime();
                if (wait > 20_000) {
                    LockSupport.parkNanos(wait - 10_000);
                }
                publish(i, due);
            }
        }
    }

    private void publish(int i, long stamp) {
        int c = arrivals.classIndex[i];
        byte[] payload = filler[c].clone();
        ByteBuffer.wrap(payload).putLong(stamp);
        int key = arrivals.key[i];
        Message m = Message.newBuilder()
                .setTopic(topics[key % topics.length])
                .setPayload(UnsafeByteOperations.unsafeWrap(payload))
                .setPriority(PriorityMix.CLASSES[c])
                .setOrderingKey("k" + key)
                .build();
        sent.increment();
        client.publish(m).whenComplete((r, e) -> (e == null ? acked : failed).increment());
    }
}
