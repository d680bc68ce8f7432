package io.tidegate.bench;

import io.tidegate.sdk.MessageHandler;
import io.tidegate.sdk.ReceivedMessage;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * A subscriber's handler: reads the send-time stamp from the first 8 payload bytes (or, for quote
 * payloads, from {@code Message.ts_init}) and records now minus stamp into a shared HdrHistogram
 * {@link Recorder}, and into one per priority class. Thread-safe (the recorder takes
 * concurrent writers).
 */
final class SubscriberProbe implements MessageHandler {

    private final Recorder latencyNanos;
    private final Recorder[] perClass;
    private final LongAdder received;
    private final boolean stampInTsInit;

    /** @param perClass one recorder per class, CRITICAL first ({@link PriorityMix#CLASSES}) */
    SubscriberProbe(Recorder latencyNanos, Recorder[] perClass, LongAdder received, boolean stampInTsInit) {
        this.latencyNanos = latencyNanos;
        this.perClass = perClass;
        this.received = received;
        this.stampInTsInit = stampInTsInit;
    }

    @Override
    public void onMessage(ReceivedMessage m) {
        long now = System.nanoTime();
        com.google.protobuf.ByteString p = m.message().getPayload();
        long stamp;
        if (stampInTsInit) {
            stamp = m.message().getTsInit();
        } else if (p.size() >= 8) {
            stamp = 0;
            for (int i = 0; i < 8; i++) {
                stamp = (stamp << 8) | (p.byteAt(i) & 0xFF);
            }
        } else {
            received.increment();
            return;
        }
        long latency = Math.max(0, now - stamp);
        latencyNanos.recordValue(latency);
        perClass[PriorityMix.levelOf(m.message().getPriority())].recordValue(latency);
        received.increment();
    }
}
