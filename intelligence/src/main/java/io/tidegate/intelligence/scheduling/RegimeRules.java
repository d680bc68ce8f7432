package io.tidegate.intelligence.scheduling;

import java.util.ArrayList;
import java.util.List;

/**
 * Regime-aware priority ("adaptive routing"): the configured {@link RegimeRule}s applied to one
 * message. The first matching class rule sets the effective class; any matching conflate rule
 * makes the message conflatable for subscribers that conflate. The caller supplies the regime of
 * the message's instrument (from the regime detector). Immutable; any thread.
 */
public final class RegimeRules {

    /** The default rules: orders and cancels of a volatile instrument move up one class; quotes of an illiquid one conflate. */
    public static final List<String> DEFAULTS = List.of("VOLATILE order,cancel -> up 1", "ILLIQUID quote -> conflate");

    private final RegimeRule[] rules;

    private RegimeRules(List<RegimeRule> rules) {
        this.rules = rules.toArray(RegimeRule[]::new);
    }

    /** Parses the rule lines; the first bad one is reported. */
    public static RegimeRules parse(List<String> lines) {
        List<RegimeRule> parsed = new ArrayList<>(lines.size());
        for (String line : lines) {
            parsed.add(RegimeRule.parse(line));
        }
        return new RegimeRules(parsed);
    }

    /** No rules: every message keeps its class and nothing conflates. */
    public static RegimeRules none() {
        return new RegimeRules(List.of());
    }

    /** The class a message is scheduled as, given its kind and its instrument's regime. */
    public TrafficClass effectiveClass(TrafficClass declared, String kind, String regime) {
        for (RegimeRule r : rules) {
            if (!r.conflate() && r.matches(kind, regime)) {
                return declared.shift(r.shift());
            }
        }
        return declared;
    }

    /** Whether a subscriber that conflates may keep only the latest such message per key. */
    public boolean conflates(String kind, String regime) {
        for (RegimeRule r : rules) {
            if (r.conflate() && r.matches(kind, regime)) {
                return true;
            }
        }
        return false;
    }
}
