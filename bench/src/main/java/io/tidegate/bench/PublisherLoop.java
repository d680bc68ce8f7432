package io.tidegate.bench;

import com.google.protobuf.UnsafeByteOperations;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.sdk.TidegateClient;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One publisher thread: publishes payloads whose first 8 bytes are a {@link System#nanoTime()}
 * stamp, round-robin over the topics (and over {@code keys} ordering keys per topic, when set). Paced: message k is due at {@code start + k * interval} and
 * carries that intended time even when sent late (coordinated-omission correction); unpaced: as
 * fast as {@code publish} accepts while the end-to-end backlog stays within its bound, stamped with
 * the actual send time. Messages carry the priorities of the {@link PriorityMix}, if set. With quote
 * payloads the payloads are ready-made QuoteTicks (each topic walks the series on its own) and the
 * stamp goes into {@code Message.ts_init}. Runs on its own thread until {@link #stop()}.
 */
final class PublisherLoop implements Runnable {

    private final TidegateClient client;
    private final String[] topics;
    private final String[] keys;
    private final byte[] filler;
    private final long intervalNanos;
    private final LongAdder sent;
    private final LongAdder acked;
    private final LongAdder failed;
    private final Backlog backlog;
    private final PriorityMix priorities;
    /** Encoded QuoteTicks to publish in turn, or null for stamped filler payloads. */
    private final com.google.protobuf.ByteString[] quotes;
    private volatile boolean running = true;

    PublisherLoop(TidegateClient client, String[] topics, int keys, int payloadBytes, double ratePerSecond,
                  LongAdder sent, LongAdder acked, LongAdder failed, Backlog backlog, PriorityMix priorities,
                  com.google.protobuf.ByteString[] quotes) {
        this.priorities = priorities;
        this.client = client;
        this.quotes = quotes;
        this.topics = topics;
        this.keys = new String[keys];
        for (int i = 0; i < keys; i++) {
            this.keys[i] = "key" + i;
        }
        this.filler = new byte[payloadBytes];
        ThreadLocalRandom.current().nextBytes(filler);
        this.intervalNanos = ratePerSecond > 0 ? (long) (1e9 / ratePerSecond) : 0;
        this.sent = sent;
        this.acked = acked;
        this.failed = failed;
        this.backlog = backlog;
    }

    /**
     * Messages published but not yet received by the subscribers. Unpaced publishers wait above
     * the limit, so "max throughput" is what the subscribers keep up with, not how fast a queue
     * can fill (which only measures the garbage collector once the heap fills).
     */
    interface Backlog {
        /** True when the backlog is at or above its limit. */
        boolean full();
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        long k = 0;
        while (running) {
            long stamp;
            if (intervalNanos > 0) {
                long due = start + k * intervalNanos;
                long wait = due - System.nanoTime();
                if (wait > 20_000) {
                    LockSupport.parkNanos(wait - 10_000);
                    continue;
                }
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                stamp = due;
            } else {
                if ((k & 63) == 0) {
                    while (running && backlog.full()) {
                        LockSupport.parkNanos(50_000);
                    }
                }
                stamp = System.nanoTime();
            }
            Message.Builder m = Message.newBuilder().setTopic(topics[(int) (k % topics.length)]);
            if (quotes != null) {
                m.setPayload(quotes[(int) ((k / topics.length) % quotes.length)]).setTsInit(stamp);
            } else {
                byte[] payload = filler.clone();
                ByteBuffer.wrap(payload).putLong(stamp);
                m.setPayload(UnsafeByteOperations.unsafeWrap(payload));
            }
            if (priorities.isSet()) {
                // each class its own keys (as an instrument's orders and its quotes are): a key
                // mixing classes would hold its urgent messages behind its bulk ones under any policy
                Priority p = priorities.of(k);
                m.setPriority(p);
                m.setOrderingKey(p.name() + (keys.length > 0 ? "." + keys[(int) ((k / topics.length) % keys.length)] : ""));
            } else if (keys.length > 0) {
                m.setOrderingKey(keys[(int) ((k / topics.length) % keys.length)]);
            }
            k++;
            sent.increment();
            client.publish(m.build()).whenComplete((r, e) -> (e == null ? acked : failed).increment());
        }
    }
}
