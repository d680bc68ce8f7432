package io.tidegate.gateway.regime;

import io.tidegate.intelligence.regime.Regime;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the regime path counted, for the metrics: changes per regime, messages of instruments past
 * {@code intelligence.regime.max-instruments}, quotes and trades whose values cannot be classified (a
 * price not above zero, a crossed book), and changes that could not be published (ingress queue full,
 * gateway draining, append failed). Thread-safe.
 */
public final class RegimeCounters {

    private final AtomicLongArray changes = new AtomicLongArray(Regime.count());
    private final LongAdder untracked = new LongAdder();
    private final LongAdder unusable = new LongAdder();
    private final LongAdder unpublished = new LongAdder();

    void changed(Regime regime) {
        changes.incrementAndGet(regime.ordinal());
    }

    void untracked() {
        untracked.increment();
    }

    void unusable() {
        unusable.increment();
    }

    void unpublished() {
        unpublished.increment();
    }

    /** Changes into {@code regime} since start. */
    public long changes(Regime regime) {
        return changes.get(regime.ordinal());
    }

    /** Messages of instruments not tracked because the book was full. */
    public long untrackedMessages() {
        return untracked.sum();
    }

    /** Quotes and trades whose values the detector cannot use. */
    public long unusableMessages() {
        return unusable.sum();
    }

    /** Changes the backend did not take (they still reached GetRegime and WatchRegimes). */
    public long unpublishedChanges() {
        return unpublished.sum();
    }
}
