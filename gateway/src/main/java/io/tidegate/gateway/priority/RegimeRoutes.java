package io.tidegate.gateway.priority;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.routing.TopicPattern;
import io.tidegate.intelligence.regime.Regime;
import io.tidegate.intelligence.scheduling.TrafficClass;
import io.tidegate.proto.v1.Priority;
import java.util.List;

/**
 * Regime-aware priority ("adaptive routing"): the {@code dispatch.regime-rules} applied to one
 * message. The first class-changing rule whose regime is its instrument's (from the
 * {@link RegimeSource}) and whose topic pattern matches sets its effective class; a matching
 * conflate rule says the message may be conflated. The regime is asked only when some rule's
 * pattern matches the topic. Immutable; thread-safe.
 */
public final class RegimeRoutes {

    private static final int MAX_PATTERN_LENGTH = 1024;

    private final Regime[] regime;
    private final TopicPattern[] pattern;
    private final int[] shift;
    private final boolean[] conflate;
    private final RegimeSource source;
    private final boolean anyShift;
    private final boolean anyConflate;

    /** @throws io.tidegate.gateway.routing.InvalidTopicException when a rule's topic pattern is not one */
    public RegimeRoutes(List<GatewayConfig.RegimeRoute> rules, RegimeSource source) {
        int n = rules.size();
        regime = new Regime[n];
        pattern = new TopicPattern[n];
        shift = new int[n];
        conflate = new boolean[n];
        boolean shifts = false;
        for (int i = 0; i < n; i++) {
            GatewayConfig.RegimeRoute r = rules.get(i);
            regime[i] = r.regime();
            pattern[i] = TopicPattern.compile(r.topicPattern(), MAX_PATTERN_LENGTH);
            shift[i] = r.shift();
            conflate[i] = r.conflate();
            shifts |= !r.conflate();
        }
        this.source = source;
        this.anyShift = shifts;
        boolean conflates = false;
        for (boolean c : conflate) {
            conflates |= c;
        }
        this.anyConflate = conflates;
    }

    /** The priority a message on {@code topic} is scheduled as, given the one it declared (never unspecified). */
    public Priority effective(String topic, Priority declared) {
        return Priority.forNumber(decide(topic, declared) & ~Prioritizer.VOLATILE);
    }

    /**
     * {@link #effective}'s priority number, with {@link Prioritizer#VOLATILE} set when the regime
     * looked up for a class-changing rule was VOLATILE. Nothing more is looked up for the flag: a
     * topic no such rule matches is not flagged.
     */
    public int decide(String topic, Priority declared) {
        if (!anyShift) {
            return declared.getNumber();
        }
        Regime current = null;
        boolean asked = false;
        for (int i = 0; i < pattern.length; i++) {
            if (conflate[i] || !pattern[i].matches(topic)) {
                continue;
            }
            if (!asked) {
                current = source.regimeOf(topic);
                asked = true;
            }
            if (current == regime[i]) {
                int level = TrafficClass.of(PriorityLevels.levelOf(declared)).shift(shift[i]).ordinal();
                return PriorityLevels.priorityOf(level).getNumber() | flag(current);
            }
        }
        return declared.getNumber() | flag(current);
    }

    private static int flag(Regime regime) {
        return regime == Regime.VOLATILE ? Prioritizer.VOLATILE : 0;
    }

    /**
     * For a subscriber that asked for conflation: whether a message on {@code topic} may replace
     * a waiting one of its key now. A topic no conflate rule's pattern matches conflates as
     * always. A topic one matches (e.g. {@code data.quotes.>}) conflates while its instrument is
     * in that rule's regime (e.g. ILLIQUID) or its regime is not known, and is delivered in full
     * while the instrument is known to be in another regime.
     */
    public boolean conflatable(String topic) {
        if (!anyConflate) {
            return true;
        }
        boolean governed = false;
        Regime current = null;
        boolean asked = false;
        for (int i = 0; i < pattern.length; i++) {
            if (!conflate[i] || !pattern[i].matches(topic)) {
                continue;
            }
            if (!asked) {
                current = source.regimeOf(topic);
                asked = true;
            }
            if (current == null || current == regime[i]) {
                return true;
            }
            governed = true;
        }
        return !governed;
    }

    /** Whether a conflate rule applies to a message on {@code topic} now. */
    public boolean conflates(String topic) {
        for (int i = 0; i < pattern.length; i++) {
            if (conflate[i] && pattern[i].matches(topic) && source.regimeOf(topic) == regime[i]) {
                return true;
            }
        }
        return false;
    }
}
