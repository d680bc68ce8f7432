package io.tidegate.gateway.risk;

import io.tidegate.gateway.config.GatewayConfig.RiskLimit;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The rule math of one order that needs no state of the strategy: max quantity, the mid price's
 * freshness, max notional and the price collar. Each method answers null when the order passes.
 * Stateless; allocates only to word a refusal.
 */
final class OrderRules {

    private OrderRules() {
    }

    static Refusal quantity(NewOrder o, RiskLimit l) {
        if (l.maxQuantity() > 0 && o.quantity() > l.maxQuantity()) {
            return Refusal.denied(RiskRule.MAX_QUANTITY, "quantity " + num(o.quantity()) + " over max-quantity "
                    + num(l.maxQuantity()) + " for " + o.who());
        }
        return null;
    }

    /** True when a rule of these limits needs the order's mid price. */
    static boolean needsMid(NewOrder o, RiskLimit l) {
        return l.maxNotional() > 0 || (o.limit() && l.collarBps() > 0);
    }

    /**
     * FAILED_PRECONDITION when there is no mid, or it is older than max-price-age.
     *
     * @param mid      the last mid, or 0 when none is known
     * @param ageNanos how long ago the gateway received it
     */
    static Refusal freshness(NewOrder o, RiskLimit l, double mid, long ageNanos) {
        if (!(mid > 0)) {
            return Refusal.precondition("no mid price known for " + o.instrumentId() + " (needed by "
                    + neededBy(o, l) + "); publish its quotes on data.quotes.<VENUE>.<SYMBOL> first");
        }
        long maxAge = l.maxPriceAge().toNanos();
        if (maxAge > 0 && ageNanos > maxAge) {
            return Refusal.precondition("mid price of " + o.instrumentId() + " is " + ageNanos / 1_000_000
                    + " ms old, over max-price-age " + l.maxPriceAge().toMillis() + " ms (needed by " + neededBy(o, l) + ")");
        }
        return null;
    }

    static Refusal notional(NewOrder o, RiskLimit l, double mid) {
        double notional = o.quantity() * mid;
        if (l.maxNotional() > 0 && notional > l.maxNotional()) {
            return Refusal.denied(RiskRule.MAX_NOTIONAL, "notional " + num(notional) + " (quantity " + num(o.quantity())
                    + " x mid " + num(mid) + ") over max-notional " + num(l.maxNotional()) + " for " + o.who());
        }
        return null;
    }

    static Refusal collar(NewOrder o, RiskLimit l, double mid) {
        if (!o.limit() || l.collarBps() <= 0) {
            return null;
        }
        double bps = Math.abs(o.price() - mid) / mid * 10_000;
        if (bps > l.collarBps()) {
            return Refusal.denied(RiskRule.COLLAR_BPS, "price " + num(o.price()) + " is " + num(Math.round(bps * 10) / 10.0)
                    + " bps from mid " + num(mid) + ", over collar-bps " + num(l.collarBps()) + " for " + o.who());
        }
        return null;
    }

    /**
     * The position rule: the position plus the open orders of the order's side plus the order
     * must stay within max-position, on either side.
     *
     * @param position  signed (buys positive)
     * @param openSide  remaining quantity of the strategy's open orders of the order's side
     */
    static Refusal position(NewOrder o, RiskLimit l, double position, double openSide) {
        if (l.maxPosition() <= 0) {
            return null;
        }
        double reach = o.buy() ? position + openSide + o.quantity() : position - openSide - o.quantity();
        if (Math.abs(reach) > l.maxPosition()) {
            String side = o.buy() ? "buy" : "sell";
            return Refusal.denied(RiskRule.MAX_POSITION, "position " + num(position) + " with open " + side + "s "
                    + num(openSide) + " and this " + side + " of " + num(o.quantity()) + " would reach " + num(reach)
                    + ", over max-position " + num(l.maxPosition()) + " for " + o.who());
        }
        return null;
    }

    static Refusal openOrders(NewOrder o, RiskLimit l, int open) {
        if (l.maxOpenOrders() > 0 && open >= l.maxOpenOrders()) {
            return Refusal.denied(RiskRule.MAX_OPEN_ORDERS, open + " open orders, at max-open-orders "
                    + l.maxOpenOrders() + " for " + o.who());
        }
        return null;
    }

    static Refusal rate(NewOrder o, RiskLimit l) {
        return Refusal.denied(RiskRule.ORDERS_PER_SECOND, "over orders-per-second " + num(l.ordersPerSecond())
                + " for " + o.who());
    }

    private static String neededBy(NewOrder o, RiskLimit l) {
        return l.maxNotional() > 0 ? "max-notional" : "collar-bps";
    }

    /** A number as people write it: 10, not 10.0; 0.001, not 1.0E-3. */
    static String num(double v) {
        // 12 significant digits hide the binary noise of products such as 12 x 100000.1
        return BigDecimal.valueOf(v).round(new MathContext(12)).stripTrailingZeros().toPlainString();
    }
}
