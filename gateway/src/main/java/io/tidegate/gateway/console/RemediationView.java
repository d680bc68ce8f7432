package io.tidegate.gateway.console;

import java.util.List;

/**
 * What automatic remediation did and what it reported without fixing, newest first, for the
 * console's Remediation panel. Implementations are thread-safe and cheap.
 */
@FunctionalInterface
public interface RemediationView {

    /** Nothing done. */
    RemediationView NONE = List::of;

    List<Entry> recent();

    /**
     * One action or report.
     *
     * @param outcome {@code done}, {@code failed}, {@code rate_limited}, {@code ended} or {@code reported}
     */
    record Entry(long atMillis, String action, String outcome, String target, String reason) {
    }
}
