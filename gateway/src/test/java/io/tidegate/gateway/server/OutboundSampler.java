package io.tidegate.gateway.server;

import io.tidegate.gateway.EmbeddedGateway;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches the gateway's queued outbound bytes from another thread and keeps the largest seen.
 *
 * <p>Threading: {@link #start} and {@link #stop} from the test thread; sampling on its own.
 */
final class OutboundSampler {
    private final AtomicLong max = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    private OutboundSampler(EmbeddedGateway gateway) {
        thread = new Thread(() -> {
            while (running.get()) {
                max.accumulateAndGet(gateway.outboundBudget().queuedBytes(), Math::max);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "outbound-sampler");
        thread.setDaemon(true);
    }

    static OutboundSampler start(EmbeddedGateway gateway) {
        OutboundSampler s = new OutboundSampler(gateway);
        s.thread.start();
        return s;
    }

    long stop() throws InterruptedException {
        running.set(false);
        thread.join();
        return max.get();
    }
}
