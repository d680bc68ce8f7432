package io.tidegate.gateway.remediation;

/**
 * One action taken, skipped or one condition reported, as the console lists it. Immutable.
 *
 * @param atMillis epoch millis it happened
 * @param action   {@code restart-reader}, {@code shed-at-spool}, {@code close-idle-subscriber} or {@code report}
 * @param outcome  {@code done}, {@code failed}, {@code rate_limited}, {@code ended} (a state action undone) or
 *                 {@code reported} (seen, no action: reported, not fixed)
 * @param target   what it acted on (a subscription, a session, a component)
 * @param reason   why, in words
 */
public record RemediationRecord(long atMillis, String action, String outcome, String target, String reason) {
}
