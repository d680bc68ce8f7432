package io.tidegate.gateway.backend;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Base of a backend that wraps another (resilience, tracing, deferred connection): forwards every
 * {@link Backend} method to the wrapped backend, the core (append, subscribe, readiness, name,
 * close) and the reports for metrics and health, so a wrapper overrides only what it changes and
 * a method added to {@link Backend} is forwarded in one place. While there is no wrapped backend
 * yet ({@link #delegate()} null) the reports read as {@link Backend}'s defaults; the core has no
 * such default, so a wrapper whose delegate can be null overrides all of the core (as the
 * resilience layer's {@code DeferredBackend} does) and the forwarding here fails loudly if one is
 * missed. Threading: as the wrapped backend; {@link #delegate()} must be safe to call from any
 * thread.
 */
public abstract class ForwardingBackend implements Backend {

    /** The wrapped backend, or null while there is none yet. */
    protected abstract Backend delegate();

    @Override
    public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        return wrapped().append(batch);
    }

    @Override
    public BackendSubscription subscribe(SubscriptionSpec spec, DeliverySink sink) {
        return wrapped().subscribe(spec, sink);
    }

    @Override
    public boolean isReady() {
        return wrapped().isReady();
    }

    @Override
    public String name() {
        return wrapped().name();
    }

    @Override
    public void close() {
        wrapped().close();
    }

    /** The wrapped backend for a core method, which has no sensible answer without one. */
    private Backend wrapped() {
        Backend d = delegate();
        if (d == null) {
            throw new IllegalStateException(getClass().getSimpleName()
                    + " has no wrapped backend yet and must override the core methods itself");
        }
        return d;
    }

    @Override
    public String degradedReason() {
        Backend d = delegate();
        return d == null ? Backend.super.degradedReason() : d.degradedReason();
    }

    @Override
    public long resets() {
        Backend d = delegate();
        return d == null ? Backend.super.resets() : d.resets();
    }

    @Override
    public String recentRefusal() {
        Backend d = delegate();
        return d == null ? Backend.super.recentRefusal() : d.recentRefusal();
    }

    @Override
    public long refusedCommands() {
        Backend d = delegate();
        return d == null ? Backend.super.refusedCommands() : d.refusedCommands();
    }

    @Override
    public long deliveryGaps() {
        Backend d = delegate();
        return d == null ? Backend.super.deliveryGaps() : d.deliveryGaps();
    }

    @Override
    public long entriesLostToRetention() {
        Backend d = delegate();
        return d == null ? Backend.super.entriesLostToRetention() : d.entriesLostToRetention();
    }

    @Override
    public Map<String, Long> consumerLag() {
        Backend d = delegate();
        return d == null ? Backend.super.consumerLag() : d.consumerLag();
    }

    @Override
    public Map<String, Long> consumerPending() {
        Backend d = delegate();
        return d == null ? Backend.super.consumerPending() : d.consumerPending();
    }

    @Override
    public Map<String, String> breakerStates() {
        Backend d = delegate();
        return d == null ? Backend.super.breakerStates() : d.breakerStates();
    }

    @Override
    public long steeredAway() {
        Backend d = delegate();
        return d == null ? Backend.super.steeredAway() : d.steeredAway();
    }
}
