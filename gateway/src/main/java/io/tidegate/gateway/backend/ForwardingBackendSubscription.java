package io.tidegate.gateway.backend;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/**
 * Base of a subscription that wraps another (a test's view of catching up, a subscription waiting
 * for its backend to connect): forwards every method to the wrapped subscription, so a wrapper
 * overrides only what it changes and a method added to {@link BackendSubscription} is forwarded
 * in one place. While there is no wrapped subscription yet ({@link #delegate()} null) the
 * methods read as {@link BackendSubscription}'s defaults and the rest do nothing, so a wrapper
 * whose delegate comes later must keep what it cannot drop itself (requested demand, a close).
 * Threading: as the wrapped subscription (thread-safe, non-blocking); {@link #delegate()} must be
 * safe to call from any thread.
 */
public abstract class ForwardingBackendSubscription implements BackendSubscription {

    /** The wrapped subscription, or null while there is none yet. */
    protected abstract BackendSubscription delegate();

    @Override
    public CompletableFuture<Void> started() {
        BackendSubscription d = delegate();
        return d == null ? BackendSubscription.super.started() : d.started();
    }

    @Override
    public CompletableFuture<Void> caughtUp() {
        BackendSubscription d = delegate();
        return d == null ? BackendSubscription.super.caughtUp() : d.caughtUp();
    }

    @Override
    public void rescan() {
        BackendSubscription d = delegate();
        if (d != null) {
            d.rescan();
        }
    }

    @Override
    public void request(int n) {
        BackendSubscription d = delegate();
        if (d != null) {
            d.request(n);
        }
    }

    @Override
    public void ack(Collection<StreamPosition> positions) {
        BackendSubscription d = delegate();
        if (d != null) {
            d.ack(positions);
        }
    }

    @Override
    public void nack(Collection<StreamPosition> positions, Duration delay) {
        BackendSubscription d = delegate();
        if (d != null) {
            d.nack(positions, delay);
        }
    }

    @Override
    public void extendDeadline(Collection<StreamPosition> positions, Duration extension) {
        BackendSubscription d = delegate();
        if (d != null) {
            d.extendDeadline(positions, extension);
        }
    }

    @Override
    public void close() {
        BackendSubscription d = delegate();
        if (d != null) {
            d.close();
        }
    }
}
