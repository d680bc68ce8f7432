package io.tidegate.sdk.book;

import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.v1.BookLevel;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * One price level of a book: exact price and size. Two levels are equal when their prices and
 * sizes are equal numbers ({@code 100.0} equals {@code 100}), so a level kept on the client side
 * compares equal to the gateway's ({@link #of(BookLevel)}) whatever scale each holds. Immutable.
 */
public record Level(BigDecimal price, BigDecimal size) {

    public Level {
        Objects.requireNonNull(price, "price");
        Objects.requireNonNull(size, "size");
    }

    /** A level from decimal text, e.g. {@code Level.of("97000.5", "0.25")}. */
    public static Level of(String price, String size) {
        return new Level(new BigDecimal(price), new BigDecimal(size));
    }

    /** A level of the gateway's book ({@code GetBookResponse.bids} / {@code asks}). */
    public static Level of(BookLevel level) {
        return new Level(decimal(level.getPrice()), decimal(level.getSize()));
    }

    /**
     * The wire's exact decimal ({@code units * 10^-scale}).
     *
     * @throws ArithmeticException for a scale above {@link Integer#MAX_VALUE}, which no venue sends
     */
    public static BigDecimal decimal(Decimal d) {
        long scale = Integer.toUnsignedLong(d.getScale());
        if (scale > Integer.MAX_VALUE) {
            throw new ArithmeticException("decimal scale " + scale + " is too large");
        }
        return BigDecimal.valueOf(d.getUnits(), (int) scale);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Level l && price.compareTo(l.price) == 0 && size.compareTo(l.size) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(price.stripTrailingZeros(), size.stripTrailingZeros());
    }

    @Override
    public String toString() {
        return price.toPlainString() + " x " + size.toPlainString();
    }
}
