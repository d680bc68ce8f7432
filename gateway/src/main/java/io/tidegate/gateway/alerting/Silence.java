package io.tidegate.gateway.alerting;

import java.util.Map;

/**
 * Mutes notifications of every alert whose labels hold all of {@code matchers} until
 * {@code untilMillis}; the alerts are still evaluated and listed. Immutable.
 */
public record Silence(String id, Map<String, String> matchers, long untilMillis, String createdBy, String comment) {

    public Silence {
        matchers = Map.copyOf(matchers);
        comment = comment == null ? "" : comment;
        createdBy = createdBy == null ? "" : createdBy;
    }

    /** True while in force for an alert with these labels. */
    public boolean mutes(Map<String, String> labels, long nowMillis) {
        return nowMillis < untilMillis && ConditionEvaluator.matches(matchers, labels);
    }
}
