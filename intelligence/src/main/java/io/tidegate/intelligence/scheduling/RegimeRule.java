package io.tidegate.intelligence.scheduling;

import java.util.Locale;
import java.util.Set;

/**
 * One adaptive-routing rule: for messages of the given kinds whose instrument is in the given
 * regime, move the class up or down by some steps, or conflate (for conflating subscribers).
 * Written {@code REGIME kind[,kind...] -> up N | down N | conflate}; {@code *} matches any kind.
 * Immutable; any thread.
 *
 * @param regime regime name, compared case-insensitively
 * @param kinds message kinds matched; empty matches any
 * @param shift classes to move up (negative: down); 0 for a conflate rule
 * @param conflate whether the rule conflates instead of moving the class
 */
public record RegimeRule(String regime, Set<String> kinds, int shift, boolean conflate) {

    /** Parses one rule, saying what is wrong and what the syntax is. */
    public static RegimeRule parse(String text) {
        String[] sides = text.split("->");
        String[] left = sides[0].trim().split("\\s+");
        if (sides.length != 2 || left.length != 2 || left[0].isEmpty()) {
            throw bad(text, "expected 'REGIME kinds -> action'");
        }
        String regime = left[0].toUpperCase(Locale.ROOT);
        Set<String> kinds = left[1].equals("*") ? Set.of() : Set.of(left[1].toLowerCase(Locale.ROOT).split(","));
        String[] action = sides[1].trim().toLowerCase(Locale.ROOT).split("\\s+");
        if (action.length == 1 && action[0].equals("conflate")) {
            return new RegimeRule(regime, kinds, 0, true);
        }
        if (action.length == 2 && (action[0].equals("up") || action[0].equals("down"))) {
            int steps;
            try {
                steps = Integer.parseInt(action[1]);
            } catch (NumberFormatException e) {
                throw bad(text, "'" + action[1] + "' is not a number of classes");
            }
            if (steps < 1 || steps > TrafficClass.COUNT - 1) {
                throw bad(text, "move by 1 to " + (TrafficClass.COUNT - 1) + " classes");
            }
            return new RegimeRule(regime, kinds, action[0].equals("up") ? steps : -steps, false);
        }
        throw bad(text, "the action must be 'up N', 'down N' or 'conflate'");
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("dispatch.regime-rules entry '" + text + "': " + why
                + " (e.g. 'VOLATILE order,cancel -> up 1' or 'ILLIQUID quote -> conflate')");
    }

    /** Whether this rule applies to a message of this kind for an instrument in this regime. */
    public boolean matches(String kind, String instrumentRegime) {
        return regime.equalsIgnoreCase(instrumentRegime)
                && (kinds.isEmpty() || kinds.contains(kind.toLowerCase(Locale.ROOT)));
    }
}
