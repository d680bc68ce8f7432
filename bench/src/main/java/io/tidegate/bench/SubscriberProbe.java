package io.tidegate.bench;

import io.tidegate.sdk.MessageHandler;
import io.tidegate.sdk.ReceivedMessage;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * A subscriber's handler: reads the send-time stamp from the first 8 payload bytes (or, for quote
 * payloads, from {@code Message.ts_init}) and records
 * now minus stamp into a shared HdrHistogram {@link Recorder}. Thread-safe (the recorder takes
 * concurrent writers).
 */
final class SubscriberProbe implements MessageHandler {

    private final Recorder latencyNanos;
    private final LongAdder received;
    private final boolean stampInTsInit;

    SubscriberProbe(Recorder latencyNanos, LongAdder received, boolean stampInTsInit) {
        this.latencyNanos = latencyNanos;
        this.received = received;
        this.stampInTsInit = stampInTsInit;
    }

    @Override
    public void onMessage(ReceivedMessage m) {
        long now = System.nanoTime();
        com.google.protobuf.ByteString p = m.message().getPayload();
        if (stampInTsInit) {
            latencyNanos.recordValue(Math.max(0, now - m.message().getTsInit()));
        } else if (p.size() >= 8) {
            long stamp = 0;
            for (int i = 0; i < 8; i++) {
                stamp = (stamp << 8) | (p.byteAt(i) & 0xFF);
            }
            latencyNanos.recordValue(Math.max(0, now - stamp));
        }
        received.increment();
    }
}
