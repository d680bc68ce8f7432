package io.tidegate.gateway.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.gateway.config.GatewayConfig.RiskLimit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LimitTableTest {

    private static final RiskLimit DEFAULTS = new RiskLimit(100, 0, 0, 0, 0, 0, Duration.ofSeconds(5));

    @Test
    void perKeyTheMostSpecificEntryWinsWhateverTheOrderWritten() {
        LimitTable t = LimitTable.parse(DEFAULTS, "limits = ["
                + "{ strategy = \"strat-1\", instrument = \"BTCUSDT.BINANCE\", max-quantity = 1 },"
                + "{ instrument = \"BTCUSDT.BINANCE\", max-quantity = 50, collar-bps = 20 },"
                + "{ strategy = \"strat-1\", max-quantity = 10, max-open-orders = 3, max-price-age = 1s } ]", "test");
        RiskLimit both = t.limitsOf("strat-1", "BTCUSDT.BINANCE");
        assertThat(both.maxQuantity()).isEqualTo(1);
        assertThat(both.collarBps()).isEqualTo(20);
        assertThat(both.maxOpenOrders()).isEqualTo(3);
        assertThat(both.maxPriceAge()).isEqualTo(Duration.ofSeconds(1));
        assertThat(t.limitsOf("strat-1", "ETHUSDT.BINANCE").maxQuantity()).isEqualTo(10);
        assertThat(t.limitsOf("strat-2", "BTCUSDT.BINANCE").maxQuantity()).isEqualTo(50);
        assertThat(t.limitsOf("strat-2", "ETHUSDT.BINANCE")).isEqualTo(DEFAULTS);
    }

    @Test
    void anUnknownKeyOrANegativeLimitIsRefusedNamingTheEntry() {
        assertThatThrownBy(() -> LimitTable.parse(DEFAULTS, "limits = [ { strategy = a, max-qty = 1 } ]", "risk.limits"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("risk.limits limits[0]")
                .hasMessageContaining("max-qty");
        assertThatThrownBy(() -> LimitTable.parse(DEFAULTS, "limits = [ { max-notional = -1 } ]", "risk.limits"))
                .hasMessageContaining("max-notional must be a number >= 0");
    }
}
