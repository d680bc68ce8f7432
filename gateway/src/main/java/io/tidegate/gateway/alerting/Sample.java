package io.tidegate.gateway.alerting;

import java.util.Map;

/**
 * One series' value at a collection: its labels (as {@code /metrics} shows them) and value.
 * Immutable.
 */
public record Sample(Map<String, String> labels, double value) {

    public Sample {
        labels = Map.copyOf(labels);
    }
}
