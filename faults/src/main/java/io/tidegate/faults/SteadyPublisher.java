package io.tidegate.faults;

import com.google.protobuf.ByteString;
import io.tidegate.proto.v1.Message;
import io.tidegate.sdk.TidegateClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes at a steady rate through one SDK client on its own thread, cycling over a few topics,
 * and records every message in a {@link Tally}. Message ids are {@code <prefix>-<n>}; the payload
 * starts with the send time ({@link System#nanoTime()}) so subscribers in this JVM can measure
 * latency.
 *
 * <p>Threading: start and stop from one thread; the tally is updated from SDK threads.
 */
final class SteadyPublisher implements AutoCloseable {

    private final TidegateClient client;
    private final Tally tally;
    private final String prefix;
    private final List<String> topics;
    private final int ratePerSecond;
    private final int payloadBytes;
    private final Thread thread;
    private final ConcurrentHashMap<String, CompletableFuture<?>> open = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    SteadyPublisher(TidegateClient client, Tally tally, String prefix, List<String> topics, int ratePerSecond,
                    int payloadBytes) {
        this.client = client;
        this.tally = tally;
        this.prefix = prefix;
        this.topics = List.copyOf(topics);
        this.ratePerSecond = ratePerSecond;
        this.payloadBytes = Math.max(8, payloadBytes);
        this.thread = new Thread(this::loop, "steady-publisher-" + prefix);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        long interval = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
        long next = System.nanoTime();
        long n = 0;
        while (running) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            next += interval;
            String id = prefix + "-" + n;
            ByteBuffer payload = ByteBuffer.allocate(payloadBytes).putLong(System.nanoTime());
            Message m = Message.newBuilder().setId(id).setTopic(topics.get((int) (n % topics.size())))
                    .setPayload(ByteString.copyFrom(payload.array())).build();
            n++;
            tally.sent(id);
            CompletableFuture<?> f;
            try {
                f = client.publish(m).whenComplete((receipt, error) -> {
                    if (error != null) {
                        tally.failed(id, error);
                    } else {
                        tally.acked(id, receipt.spooled());
                    }
                });
            } catch (RuntimeException e) {
                tally.failed(id, e);
                continue;
            }
            open.put(id, f);
            f.whenComplete((r, e) -> open.remove(id));
        }
    }

    /** The send time a payload carries. */
    static long sentNanos(ByteString payload) {
        return payload.asReadOnlyByteBuffer().getLong();
    }

    /** Stops sending and waits until every publish is answered (acked or failed), or the timeout. */
    boolean stopAndSettle(Duration timeout) throws InterruptedException {
        running = false;
        thread.join(5_000);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return open.isEmpty();
    }

    @Override
    public void close() {
        running = false;
    }
}
