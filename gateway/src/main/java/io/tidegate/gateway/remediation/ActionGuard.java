package io.tidegate.gateway.remediation;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every remediation action passes through: its switch, its rate limit (at most {@code
 * maxActions} per {@code per}), one log line saying what and why, the counter and the console's
 * list. Thread-safe; {@link #attempt} runs the action on the caller's thread.
 */
public final class ActionGuard {

    private static final Logger LOG = LoggerFactory.getLogger(ActionGuard.class);

    private final String action;
    private final boolean enabled;
    private final int maxActions;
    private final long perMillis;
    private final ActionCounter counter;
    private final RecentActions recent;
    private final Clock clock;
    // Guarded by this.
    private final Deque<Long> taken = new ArrayDeque<>();

    public ActionGuard(String action, boolean enabled, int maxActions, Duration per, ActionCounter counter,
                       RecentActions recent, Clock clock) {
        this.action = action;
        this.enabled = enabled;
        this.maxActions = maxActions;
        this.perMillis = per.toMillis();
        this.counter = counter;
        this.recent = recent;
        this.clock = clock;
    }

    public String action() {
        return action;
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * Runs {@code fix} on {@code target} unless switched off or over the rate limit; logs, counts
     * and lists the outcome. True when the fix ran and did not throw.
     */
    public boolean attempt(String target, String why, Runnable fix) {
        if (!enabled) {
            return false;
        }
        long now = clock.millis();
        if (!permit(now)) {
            LOG.warn("remediation {}: skipped on {} (more than {} actions per {} ms): {}", action, target, maxActions,
                    perMillis, why);
            record(now, "rate_limited", target, why);
            return false;
        }
        try {
            fix.run();
        } catch (RuntimeException e) {
            LOG.warn("remediation {}: failed on {}: {}", action, target, why, e);
            record(now, "failed", target, why);
            return false;
        }
        LOG.warn("remediation {}: done on {}: {}", action, target, why);
        record(now, "done", target, why);
        return true;
    }

    /** A state the action had set is undone (e.g. shedding ends); listed, not counted as an action. */
    public void ended(String target, String why) {
        LOG.info("remediation {}: ended on {}: {}", action, target, why);
        recent.add(new RemediationRecord(clock.millis(), action, "ended", target, why));
    }

    private synchronized boolean permit(long now) {
        while (!taken.isEmpty() && now - taken.peekFirst() >= perMillis) {
            taken.removeFirst();
        }
        if (taken.size() >= maxActions) {
            return false;
        }
        taken.addLast(now);
        return true;
    }

    private void record(long now, String outcome, String target, String why) {
        counter.count(action, outcome);
        recent.add(new RemediationRecord(now, action, outcome, target, why));
    }
}
