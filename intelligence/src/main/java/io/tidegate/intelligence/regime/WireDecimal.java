package io.tidegate.intelligence.regime;

/**
 * Turns the wire's exact decimal (value = units &times; 10<sup>&minus;scale</sup>, as in
 * {@code tidegate.market.v1.Decimal}) into the double the classifiers take: one multiplication by a tabled
 * power of ten, no allocation. The result is the nearest double within one rounding of the multiplication,
 * ample for statistics. Stateless; safe from any thread.
 */
public final class WireDecimal {
    private static final double[] NEGATIVE_POWERS = new double[19];

    static {
        for (int i = 0; i < NEGATIVE_POWERS.length; i++) {
            NEGATIVE_POWERS[i] = Double.parseDouble("1e-" + i);
        }
    }

    private WireDecimal() {
    }

    /** units &times; 10<sup>&minus;scale</sup>; scales beyond 18 fall back to {@link Math#pow}. */
    public static double toDouble(long units, int scale) {
        if (scale >= 0 && scale < NEGATIVE_POWERS.length) {
            return units * NEGATIVE_POWERS[scale];
        }
        return units * Math.pow(10, -scale);
    }
}
