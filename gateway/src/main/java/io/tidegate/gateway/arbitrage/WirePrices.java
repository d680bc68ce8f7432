package io.tidegate.gateway.arbitrage;

import io.tidegate.proto.market.v1.Decimal;
import java.math.BigDecimal;

/**
 * Converts between the wire's exact decimals and the doubles the detector compares. A decimal of
 * up to 15 significant digits comes back exactly: {@code units / 10^scale} is the double nearest
 * to it, and the shortest decimal that rounds to that double is the original. Stateless; thread-safe.
 */
final class WirePrices {

    private static final double[] POWERS = new double[23];

    static {
        for (int i = 0; i < POWERS.length; i++) {
            POWERS[i] = Double.parseDouble("1e" + i); // exact up to 1e22
        }
    }

    private WirePrices() {
    }

    /** The decimal as a double; 0 for an unset one. No allocation. */
    static double toDouble(Decimal d) {
        int scale = d.getScale();
        return scale < POWERS.length ? d.getUnits() / POWERS[scale] : d.getUnits() * Math.pow(10, -scale);
    }

    /** The shortest decimal that reads back as {@code value}. */
    static Decimal toDecimal(double value) {
        BigDecimal exact = BigDecimal.valueOf(value).stripTrailingZeros();
        if (exact.scale() < 0) {
            exact = exact.setScale(0);
        }
        return Decimal.newBuilder().setUnits(exact.unscaledValue().longValue()).setScale(exact.scale()).build();
    }
}
