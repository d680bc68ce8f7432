package io.tidegate.bench;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.ForwardingBackend;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A backend decorator that notes {@link System#nanoTime()} when an append carrying an arbitrage
 * signal is handed to it, for {@link ArbitrageLatency}; everything else, reports included, is the
 * wrapped backend's. Thread-safe (one volatile stamp and count).
 */
final class SignalStampingBackend extends ForwardingBackend {

    private final Backend delegate;
    private volatile long lastSignalNanos;
    private volatile long signals;

    SignalStampingBackend(Backend delegate) {
        this.delegate = delegate;
    }

    long lastSignalNanos() {
        return lastSignalNanos;
    }

    long signals() {
        return signals;
    }

    @Override
    protected Backend delegate() {
        return delegate;
    }

    @Override
    public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        long now = System.nanoTime();
        for (Envelope e : batch) {
            if (e.topic().startsWith("signals.arb.")) {
                lastSignalNanos = now;
                signals = signals + 1; // one dispatcher worker per key, so no lost increments for one instrument
            }
        }
        return delegate.append(batch);
    }
}
