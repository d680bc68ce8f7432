package io.tidegate.gateway.risk;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Orders the risk gate refused, per rule (the {@code tidegate.risk.refusals} metric). Thread-safe. */
public final class RiskRefusals {

    private final Map<RiskRule, LongAdder> counts = new EnumMap<>(RiskRule.class);

    public RiskRefusals() {
        for (RiskRule r : RiskRule.values()) {
            counts.put(r, new LongAdder());
        }
    }

    void refused(RiskRule rule) {
        counts.get(rule).increment();
    }

    /** Refusals so far per rule (every rule present, 0 when none). */
    public Map<RiskRule, Long> counts() {
        Map<RiskRule, Long> snapshot = new EnumMap<>(RiskRule.class);
        counts.forEach((r, c) -> snapshot.put(r, c.sum()));
        return snapshot;
    }
}
