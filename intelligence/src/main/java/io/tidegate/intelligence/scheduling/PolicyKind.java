package io.tidegate.intelligence.scheduling;

import java.util.Locale;

/** The values of {@code dispatch.policy}. Immutable; any thread. */
public enum PolicyKind {
    /** Oldest head message first, whatever its class. */
    FIFO,
    /** Highest non-empty class first. */
    STRICT,
    /** Smooth weighted round robin over the non-empty classes by their weights. */
    WEIGHTED,
    /** A Q-table lookup on the discretised lane state, watched against a strict shadow. */
    LEARNED;

    /** Parses a config value, saying what is accepted when it is not one. */
    public static PolicyKind parse(String value) {
        for (PolicyKind k : values()) {
            if (k.name().equalsIgnoreCase(value.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("dispatch.policy = '" + value + "' is unknown; use fifo, strict, weighted or learned");
    }

    /** The config spelling. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
