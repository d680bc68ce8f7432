package io.tidegate.gateway.remediation;

/**
 * Counts remediation outcomes ({@code tidegate_remediation_actions_total{action,outcome}}); bound
 * at the composition root to a metric. Implementations are thread-safe and never block.
 */
@FunctionalInterface
public interface ActionCounter {

    void count(String action, String outcome);
}
