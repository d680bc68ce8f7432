package io.tidegate.gateway.alerting;

import java.util.Map;

/**
 * One series for which a rule's condition holds on one replica now: the rule, the series'
 * labels (with {@code gateway}, the replica that saw it), its value and a detail (a component's
 * reason). Immutable; replicas share them through {@link AlertCoordination}.
 */
public record Observation(String rule, Map<String, String> labels, double value, String detail) {

    public Observation {
        labels = Map.copyOf(labels);
        detail = detail == null ? "" : detail;
    }
}
