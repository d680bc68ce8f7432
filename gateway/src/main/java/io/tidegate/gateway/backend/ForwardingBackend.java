package io.tidegate.gateway.backend;

import java.util.Map;

/**
 * Base of a backend that wraps another (resilience, tracing, deferred connection): forwards what
 * the wrapped backend reports for metrics and health, the methods {@link Backend} gives defaults
 * for, so a wrapper spells out only the core it changes (append, subscribe, readiness, name,
 * close) and a new report needs adding in one place. While there is no wrapped backend yet
 * ({@link #delegate()} null) the reports read as {@link Backend}'s defaults. Threading: as the
 * wrapped backend; {@link #delegate()} must be safe to call from any thread.
 */
public abstract class ForwardingBackend implements Backend {

    /** The wrapped backend, or null while there is none yet. */
    protected abstract Backend delegate();

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
