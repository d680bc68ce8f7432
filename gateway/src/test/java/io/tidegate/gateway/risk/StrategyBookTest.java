package io.tidegate.gateway.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.config.GatewayConfig.RiskLimit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Open orders and positions of one strategy as orders pass and execution events come back. */
class StrategyBookTest {

    private static final String BTC = "BTCUSDT.BINANCE";
    private final LimitTable limits = LimitTable.of(new RiskLimit(0, 0, 0, 0, 2, 10, Duration.ZERO));
    private final MidPrices mids = new MidPrices(10);
    private final StrategyBook book = new StrategyBook("strat-1", 10, 100);

    private Refusal send(String id, boolean buy, double qty) {
        return book.admit(new NewOrder("strat-1", id, BTC, buy, false, qty, 0), limits, mids, System.nanoTime());
    }

    @Test
    void openOrdersLeaveOnRejectCancelOrAWholeFill() {
        assertThat(send("a", true, 1)).isNull();
        assertThat(send("b", true, 1)).isNull();
        assertThat(send("c", true, 1).rule()).isEqualTo(RiskRule.MAX_OPEN_ORDERS);
        book.ended("a");
        assertThat(book.openOrders(BTC)).isEqualTo(1);
        book.filled("b", BTC, 1, 0.4);
        assertThat(book.openOrders(BTC)).as("partly filled is still open").isEqualTo(1);
        book.filled("b", BTC, 1, 0.6);
        assertThat(book.openOrders(BTC)).isZero();
        assertThat(book.position(BTC)).isEqualTo(1.0);
    }

    @Test
    void aResentOrderPassesWithoutCountingTwice() {
        assertThat(send("a", true, 1)).isNull();
        assertThat(send("b", true, 1)).isNull();
        assertThat(send("a", true, 1)).as("a retry of an order already through, at max-open-orders").isNull();
        assertThat(book.openOrders(BTC)).isEqualTo(2);
    }

    @Test
    void fillsMoveThePositionAndThePositionLimitFollows() {
        assertThat(send("a", true, 8)).isNull();
        book.filled("a", BTC, 1, 8);
        assertThat(send("b", true, 3).text()).contains("position 8 with open buys 0 and this buy of 3 would reach 11");
        assertThat(send("c", false, 3)).as("selling reduces the position").isNull();
        book.filled("unknown-order", BTC, -1, 5);
        assertThat(book.position(BTC)).as("a fill of an order sent elsewhere still counts").isEqualTo(3.0);
        assertThat(send("d", true, 3)).as("3 + open sells do not count against a buy").isNull();
    }

    @Test
    void anOrderReadFromTheBusAfterItsEventsOpensOnlyWhatRemains() {
        StrategyBook following = new StrategyBook("strat-1", 10, 100, true);
        following.filled("elsewhere-1", BTC, 1, 2);
        following.passedElsewhere(new NewOrder("strat-1", "elsewhere-1", BTC, true, false, 5, 0));
        assertThat(following.openOrders(BTC)).isEqualTo(1);
        assertThat(following.position(BTC)).isEqualTo(2.0);
        following.filled("elsewhere-1", BTC, 1, 3);
        assertThat(following.openOrders(BTC)).as("the fills read before it count against its quantity").isZero();

        following.ended("elsewhere-2");
        following.passedElsewhere(new NewOrder("strat-1", "elsewhere-2", BTC, true, false, 1, 0));
        assertThat(following.openOrders(BTC)).as("canceled before its command was read").isZero();
        following.filled("elsewhere-3", BTC, 1, 1);
        following.passedElsewhere(new NewOrder("strat-1", "elsewhere-3", BTC, true, false, 1, 0));
        assertThat(following.openOrders(BTC)).as("filled whole before its command was read").isZero();
        assertThat(following.position(BTC)).isEqualTo(6.0);
    }

    @Test
    void anOrderReadFromTheBusCountsAgainstTheNextOneCheckedHere() {
        StrategyBook following = new StrategyBook("strat-1", 10, 100, true);
        following.passedElsewhere(new NewOrder("strat-1", "elsewhere-1", BTC, true, false, 4, 0));
        following.passedElsewhere(new NewOrder("strat-1", "elsewhere-1", BTC, true, false, 4, 0));
        assertThat(following.openOrders(BTC)).as("read twice, counted once").isEqualTo(1);
        Refusal r = following.admit(new NewOrder("strat-1", "here-1", BTC, true, false, 7, 0), limits, mids,
                System.nanoTime());
        assertThat(r.text()).contains("position 0 with open buys 4 and this buy of 7 would reach 11");
    }
}
