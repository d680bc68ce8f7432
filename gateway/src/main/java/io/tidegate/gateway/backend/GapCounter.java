package io.tidegate.gateway.backend;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the holes a backend's broadcast subscriptions reported (see {@link DeliverySink#onGap})
 * and the entries in them, for {@link Backend#deliveryGaps()}. Thread-safe; cheap to update.
 */
public final class GapCounter {

    private final LongAdder gaps = new LongAdder();
    private final LongAdder lost = new LongAdder();

    /** Records one hole. */
    public void count(DeliveryGap gap) {
        gaps.increment();
        if (gap.lostKnown()) {
            lost.add(gap.lost());
        }
    }

    public long gaps() {
        return gaps.sum();
    }

    public long lost() {
        return lost.sum();
    }
}
