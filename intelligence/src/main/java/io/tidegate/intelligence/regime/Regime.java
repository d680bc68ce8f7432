package io.tidegate.intelligence.regime;

/**
 * The market regime of one instrument. Definitions (the tests and docs follow them; "normal" is the
 * instrument's slow online baseline):
 * <ul>
 *   <li>{@link #ILLIQUID}: spread &ge; 5&times; normal, or quote rate &le; 1/5 of normal, or top-of-book size
 *       &le; 1/5 of normal; takes precedence over everything else;</li>
 *   <li>{@link #VOLATILE}: realised volatility &ge; 3&times; normal; takes precedence over trending;</li>
 *   <li>{@link #TRENDING_UP} / {@link #TRENDING_DOWN}: the move over the detection window is at least 3&times;
 *       the standard deviation of the window's noise (|drift t-statistic| &ge; 3);</li>
 *   <li>{@link #RANGING}: none of the above.</li>
 * </ul>
 * Immutable; safe from any thread.
 */
public enum Regime {
    TRENDING_UP,
    TRENDING_DOWN,
    RANGING,
    VOLATILE,
    ILLIQUID;

    private static final Regime[] VALUES = values();

    /** The regime with this {@link #ordinal()}, without the copy {@code values()} makes. */
    public static Regime of(int ordinal) {
        return VALUES[ordinal];
    }

    /** How many regimes there are. */
    public static int count() {
        return VALUES.length;
    }
}
