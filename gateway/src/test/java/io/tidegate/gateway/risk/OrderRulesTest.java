package io.tidegate.gateway.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tidegate.gateway.config.GatewayConfig.RiskLimit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The rule math of one order, one rule at a time, at and just past each limit. */
class OrderRulesTest {

    private static final RiskLimit NONE = new RiskLimit(0, 0, 0, 0, 0, 0, Duration.ZERO);

    private static NewOrder buy(double qty) {
        return new NewOrder("strat-1", "c-1", "BTCUSDT.BINANCE", true, false, qty, 0);
    }

    private static NewOrder limitBuy(double qty, double price) {
        return new NewOrder("strat-1", "c-1", "BTCUSDT.BINANCE", true, true, qty, price);
    }

    private static RiskLimit with(double maxQty, double maxNotional, double collar, int maxOpen, double maxPos) {
        return new RiskLimit(maxQty, maxNotional, collar, 0, maxOpen, maxPos, Duration.ofSeconds(5));
    }

    @Test
    void quantityAtTheLimitPassesAndAboveItIsRefusedNamingTheNumbers() {
        assertThat(OrderRules.quantity(buy(10), with(10, 0, 0, 0, 0))).isNull();
        Refusal r = OrderRules.quantity(buy(12), with(10, 0, 0, 0, 0));
        assertThat(r.rule()).isEqualTo(RiskRule.MAX_QUANTITY);
        assertThat(r.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(r.text()).isEqualTo("risk: quantity 12 over max-quantity 10 for strat-1 BTCUSDT.BINANCE");
        assertThat(OrderRules.quantity(buy(1e9), NONE)).as("0 is no limit").isNull();
    }

    @Test
    void notionalIsQuantityTimesTheMid() {
        assertThat(OrderRules.notional(buy(10), with(0, 1_000_000, 0, 0, 0), 100_000)).isNull();
        Refusal r = OrderRules.notional(buy(12), with(0, 1_000_000, 0, 0, 0), 100_000.1);
        assertThat(r.text()).isEqualTo("risk: notional 1200001.2 (quantity 12 x mid 100000.1) over max-notional 1000000 "
                + "for strat-1 BTCUSDT.BINANCE");
    }

    @Test
    void theCollarIsMeasuredInBpsOfTheMidOnBothSidesAndOnlyForLimitOrders() {
        RiskLimit collar = with(0, 0, 50, 0, 0);
        assertThat(OrderRules.collar(limitBuy(1, 100.5), collar, 100)).isNull();
        assertThat(OrderRules.collar(limitBuy(1, 99.5), collar, 100)).isNull();
        assertThat(OrderRules.collar(limitBuy(1, 101), collar, 100).text())
                .isEqualTo("risk: price 101 is 100 bps from mid 100, over collar-bps 50 for strat-1 BTCUSDT.BINANCE");
        assertThat(OrderRules.collar(limitBuy(1, 98.9), collar, 100).rule()).isEqualTo(RiskRule.COLLAR_BPS);
        assertThat(OrderRules.collar(buy(1), collar, 100)).as("a market order has no price").isNull();
    }

    @Test
    void noMidOrAStaleOneIsAFailedPrecondition() {
        RiskLimit notional = with(0, 1000, 0, 0, 0);
        Refusal none = OrderRules.freshness(buy(1), notional, 0, 0);
        assertThat(none.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(none.text()).contains("no mid price known for BTCUSDT.BINANCE", "max-notional");
        assertThat(OrderRules.freshness(buy(1), notional, 100, Duration.ofSeconds(5).toNanos())).isNull();
        Refusal stale = OrderRules.freshness(buy(1), notional, 100, Duration.ofSeconds(6).toNanos());
        assertThat(stale.text()).contains("6000 ms old, over max-price-age 5000 ms");
        assertThat(OrderRules.needsMid(buy(1), with(0, 0, 50, 0, 0))).as("the collar needs no mid for a market order").isFalse();
        assertThat(OrderRules.needsMid(limitBuy(1, 1), with(0, 0, 50, 0, 0))).isTrue();
    }

    @Test
    void thePositionCountsOpenOrdersOfTheSameSideAndHoldsOnBothSides() {
        RiskLimit pos = with(0, 0, 0, 0, 10);
        assertThat(OrderRules.position(buy(2), pos, 8, 0)).isNull();
        assertThat(OrderRules.position(buy(3), pos, 8, 0).text())
                .isEqualTo("risk: position 8 with open buys 0 and this buy of 3 would reach 11, over max-position 10 "
                        + "for strat-1 BTCUSDT.BINANCE");
        assertThat(OrderRules.position(buy(1), pos, 8, 2).rule()).isEqualTo(RiskRule.MAX_POSITION);
        NewOrder sell = new NewOrder("strat-1", "c-2", "BTCUSDT.BINANCE", false, false, 15, 0);
        assertThat(OrderRules.position(sell, pos, 8, 0)).as("selling 15 of a long 8 reaches -7").isNull();
        assertThat(OrderRules.position(sell, pos, 0, 0).text()).contains("would reach -15");
    }

    @Test
    void openOrdersAreRefusedOnceAtTheLimit() {
        assertThat(OrderRules.openOrders(buy(1), with(0, 0, 0, 3, 0), 2)).isNull();
        assertThat(OrderRules.openOrders(buy(1), with(0, 0, 0, 3, 0), 3).text())
                .isEqualTo("risk: 3 open orders, at max-open-orders 3 for strat-1 BTCUSDT.BINANCE");
    }

    @Test
    void theTokenBucketGivesABurstOfOneSecondThenTheRate() {
        TokenBucket bucket = new TokenBucket();
        long t = 1_000_000_000L;
        assertThat(bucket.tryTake(2, t)).isTrue();
        assertThat(bucket.tryTake(2, t)).isTrue();
        assertThat(bucket.tryTake(2, t)).isFalse();
        assertThat(bucket.tryTake(2, t + 499_000_000L)).isFalse();
        assertThat(bucket.tryTake(2, t + 501_000_000L)).isTrue();
        assertThat(new TokenBucket().tryTake(0, t)).as("0 is no limit").isTrue();
        TokenBucket slow = new TokenBucket();
        assertThat(slow.tryTake(0.5, t)).as("below 1/s the burst is still one order").isTrue();
        assertThat(slow.tryTake(0.5, t + 1_900_000_000L)).isFalse();
        assertThat(slow.tryTake(0.5, t + 2_100_000_000L)).isTrue();
    }
}
