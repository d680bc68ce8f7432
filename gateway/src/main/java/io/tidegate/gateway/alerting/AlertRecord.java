package io.tidegate.gateway.alerting;

import java.util.Map;

/**
 * The lifecycle state of one alert: what the lease holder keeps, saves after every evaluation
 * and a replica taking over loads, so nothing is notified twice. Mutable; the alert thread only
 * (copies are serialized).
 */
final class AlertRecord {

    static final String PENDING = "pending";
    static final String FIRING = "firing";
    static final String RESOLVED = "resolved";

    String id;
    String rule;
    String severity;
    Map<String, String> labels;
    String summary;
    double value;
    String state;
    /** When the condition started to hold (pending). */
    long activeSince;
    long firingSince;
    /**
     * Whether a firing alert's condition has stopped holding, since {@code resolvingSince}; it
     * resolves once that lasted the rule's {@code resolve-after}, and goes on firing if it holds again.
     */
    boolean resolving;
    long resolvingSince;
    long resolvedAt;
    /** Whether a channel was told it fires (a silenced alert may fire unannounced). */
    boolean notified;
    /** The highest route level notified. */
    int level;
    long levelSince;
    long lastNotifiedAt;
    /** The evaluation that last saw it (not saved: only dedups one evaluation's observations). */
    transient long seenAt;

    boolean lastSeenThisStep(long now) {
        return seenAt == now;
    }

    void markSeen(long now) {
        seenAt = now;
    }

    long since() {
        return switch (state) {
            case FIRING -> firingSince;
            case RESOLVED -> resolvedAt;
            default -> activeSince;
        };
    }

    AlertNotice notice(String status, int atLevel) {
        return new AlertNotice(id, rule, severity, status, labels, summary, firingSince,
                RESOLVED.equals(status) ? resolvedAt : 0, atLevel, value);
    }
}
