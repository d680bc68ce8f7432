package io.tidegate.intelligence.scheduling;

/**
 * The five priority classes of a message, most urgent first; {@link #ordinal()} is the lane index
 * used by every array in this package. Immutable; any thread.
 */
public enum TrafficClass {
    CRITICAL, HIGH, NORMAL, LOW, BULK;

    /** Number of classes (and lanes). */
    public static final int COUNT = 5;

    private static final TrafficClass[] BY_INDEX = values();

    /** The class of a lane index. */
    public static TrafficClass of(int index) {
        return BY_INDEX[index];
    }

    /** Parses a class name case-insensitively, saying what is accepted when it is not one. */
    public static TrafficClass parse(String name) {
        for (TrafficClass c : BY_INDEX) {
            if (c.name().equalsIgnoreCase(name.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException(
                "unknown class '" + name + "'; use CRITICAL, HIGH, NORMAL, LOW or BULK");
    }

    /** This class moved {@code steps} classes up (negative: down), kept within CRITICAL..BULK. */
    public TrafficClass shift(int steps) {
        return BY_INDEX[Math.max(0, Math.min(COUNT - 1, ordinal() - steps))];
    }
}
