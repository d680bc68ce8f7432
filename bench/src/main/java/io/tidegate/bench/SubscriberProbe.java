package io.tidegate.bench;

import io.tidegate.sdk.MessageHandler;
import io.tidegate.sdk.ReceivedMessage;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * A subscriber's handler: reads the send-time stamp from the first 8 payload bytes and records
 * now minus stamp into a shared HdrHistogram {@link Recorder}, and into one per priority class. Thread-safe (the recorder takes
 * concurrent writers).
 */
final class SubscriberProbe implements MessageHandler {

    private final Recorder latencyNanos;
    private final Recorder[] perClass;
    private final LongAdder received;

    /** @param perClass one recorder per class, CRITICAL first ({@link PriorityMix#CLASSES}) */
    SubscriberProbe(Recorder latencyNanos, Recorder[] perClass, LongAdder received) {
        this.latencyNanos = latencyNanos;
        this.perClass = perClass;
        this.received = received;
    }

    @Override
    public void onMessage(ReceivedMessage m) {
        long now = System.nanoTime();
        com.google.protobuf.ByteString p = m.message().getPayload();
        if (p.size() >= 8) {
            long stamp = 0;
            for (int i = 0; i < 8; i++) {
                stamp = (stamp << 8) | (p.byteAt(i) & 0xFF);
            }
            long latency = Math.max(0, now - stamp);
            latencyNanos.recordValue(latency);
            perClass[PriorityMix.levelOf(m.message().getPriority())].recordValue(latency);
        }
        received.increment();
    }
}
