package io.tidegate.gateway.security;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts what the authorisation rules refused per action (the {@code tidegate.acl.refusals}
 * metric) and writes one structured audit line per refusal on the logger {@code tidegate.audit}
 * (identity, peer, action, topic, rule), within the same line budget per action as
 * {@link AuthRefusals}. Thread-safe.
 */
public final class AclRefusals {

    /** What was refused; the lower-case name is the {@code action} label. */
    public enum Action {
        PUBLISH, SUBSCRIBE, JOIN_GROUP;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Logger audit = LoggerFactory.getLogger("tidegate.audit");

    private final Map<Action, LongAdder> counts = new EnumMap<>(Action.class);
    private final Map<Action, LineBudget> budgets = new EnumMap<>(Action.class);
    private final LongSupplier nanoTime;

    public AclRefusals() {
        this(System::nanoTime);
    }

    AclRefusals(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        long now = nanoTime.getAsLong();
        for (Action a : Action.values()) {
            counts.put(a, new LongAdder());
            budgets.put(a, new LineBudget(now, AuthRefusals.BURST, AuthRefusals.LINES_PER_SECOND));
        }
    }

    /** Refusals so far per action (every action present, 0 when none). */
    public Map<Action, Long> counts() {
        Map<Action, Long> snapshot = new EnumMap<>(Action.class);
        counts.forEach((a, c) -> snapshot.put(a, c.sum()));
        return snapshot;
    }

    /**
     * Counts a refusal and writes its audit line unless the action's line budget is spent.
     *
     * @param target the topic, pattern or group refused
     * @param rule   the rule that refused, or what was missing
     */
    void refused(Action action, String identity, String peer, String target, String rule) {
        counts.get(action).increment();
        long suppressed = budgets.get(action).take(nanoTime.getAsLong());
        if (suppressed < 0) {
            return;
        }
        audit.atWarn()
                .addKeyValue("event", "acl_refused")
                .addKeyValue("identity", identity)
                .addKeyValue("peer", peer)
                .addKeyValue("action", action.label())
                .addKeyValue("topic", target)
                .addKeyValue("rule", rule)
                .addKeyValue("suppressed", suppressed)
                .log("acl refused: action={} identity=\"{}\" peer={} topic=\"{}\" rule=\"{}\"{}", action.label(), identity,
                        peer, target, rule,
                        suppressed > 0 ? " (suppressed " + suppressed + " similar lines before this one)" : "");
    }
}
