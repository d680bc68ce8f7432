package io.tidegate.gateway.arbitrage;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.proto.market.v1.Decimal;
import org.junit.jupiter.api.Test;

class WirePricesTest {

    @Test
    void wireDecimalsComeBackExactlyThroughTheDouble() {
        long[][] cases = {{6500012, 2}, {1, 8}, {123456789012345L, 5}, {7, 0}, {100000, 0}, {25, 1}};
        for (long[] c : cases) {
            Decimal d = Decimal.newBuilder().setUnits(c[0]).setScale((int) c[1]).build();
            Decimal back = WirePrices.toDecimal(WirePrices.toDouble(d));
            assertThat(new java.math.BigDecimal(java.math.BigInteger.valueOf(back.getUnits()), back.getScale()))
                    .isEqualByComparingTo(new java.math.BigDecimal(java.math.BigInteger.valueOf(c[0]), (int) c[1]));
        }
    }

    @Test
    void theDecimalIsTheShortestForm() {
        assertThat(WirePrices.toDecimal(65000.10)).isEqualTo(Decimal.newBuilder().setUnits(650001).setScale(1).build());
        assertThat(WirePrices.toDecimal(100)).isEqualTo(Decimal.newBuilder().setUnits(100).setScale(0).build());
        assertThat(WirePrices.toDouble(Decimal.getDefaultInstance())).isZero();
    }
}
