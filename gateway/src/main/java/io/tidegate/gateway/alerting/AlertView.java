package io.tidegate.gateway.alerting;

import java.util.Map;

/**
 * One alert as {@code GET /api/alerts} shows it (the dashboard reads exactly these fields).
 * Immutable.
 *
 * @param id             the fingerprint of its rule and labels; stable while it exists
 * @param state          {@code pending}, {@code firing} or {@code resolved}
 * @param since          when it entered that state (ISO-8601 UTC)
 * @param resolvingSince a firing alert whose condition has not held since then (ISO-8601 UTC) and
 *                       that resolves once that lasts its rule's {@code resolve-after}; empty
 *                       while the condition holds and for pending and resolved alerts
 * @param acknowledgedBy who acknowledged it; empty when nobody did
 */
public record AlertView(String id, String name, String severity, String state, Map<String, String> labels,
                        String summary, String since, String resolvingSince, boolean acknowledged,
                        String acknowledgedBy) {

    public AlertView {
        labels = Map.copyOf(labels);
    }

    /** The same alert acknowledged by {@code by}. */
    public AlertView acknowledgedBy(String by) {
        return new AlertView(id, name, severity, state, labels, summary, since, resolvingSince, true, by);
    }
}
