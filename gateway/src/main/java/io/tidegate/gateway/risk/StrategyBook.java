package io.tidegate.gateway.risk;

import io.tidegate.gateway.config.GatewayConfig.RiskLimit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the gate knows of one strategy: per instrument its position (from fills), its open orders
 * and its order-rate bucket, and the open orders by client order id (so that events find them).
 * Open orders are counted when the gate lets a SubmitOrder pass and leave on OrderRejected,
 * OrderCanceled, a fill of their whole quantity, or when the publish failed. Memory: at most
 * {@code maxInstruments} instruments and {@code maxTrackedOrders} open orders; orders beyond are
 * refused. Thread-safe: every method holds the book's lock (one strategy's orders rarely come
 * from more than one thread at once, so it is uncontended).
 */
final class StrategyBook {

    private static final double EPSILON = 1e-9;

    /** One instrument of the strategy. */
    private static final class Instrument {
        final String id;
        final TokenBucket bucket = new TokenBucket();
        double position;
        double openBuys;
        double openSells;
        int openOrders;
        /** The limits resolved from {@link #resolvedFrom}; resolved again when the table changes. */
        RiskLimit limits;
        LimitTable resolvedFrom;

        Instrument(String id) {
            this.id = id;
        }

        void addOpen(boolean buy, double quantity) {
            openOrders++;
            if (buy) {
                openBuys += quantity;
            } else {
                openSells += quantity;
            }
        }

        void reduceOpen(boolean buy, double quantity) {
            if (buy) {
                openBuys = Math.max(0, openBuys - quantity);
            } else {
                openSells = Math.max(0, openSells - quantity);
            }
        }
    }

    /** One open order. */
    private static final class Open {
        final Instrument instrument;
        final boolean buy;
        double remaining;

        Open(Instrument instrument, boolean buy, double remaining) {
            this.instrument = instrument;
            this.buy = buy;
            this.remaining = remaining;
        }
    }

    private final String strategy;
    private final int maxInstruments;
    private final int maxTrackedOrders;
    private final Map<String, Instrument> instruments = new HashMap<>();
    private final Map<String, Open> open = new HashMap<>();
    /**
     * Following the bus only: what events said of orders not (yet) known here, by client order id:
     * the quantity filled, or {@link Double#POSITIVE_INFINITY} once rejected or canceled. An order
     * checked on another replica is read from its command stream, and its events from theirs, so
     * its fill may be read first; the command then opens only what remains. Oldest dropped beyond
     * {@code maxTrackedOrders}; null when not following.
     */
    private final Map<String, Double> unmatched;

    StrategyBook(String strategy, int maxInstruments, int maxTrackedOrders) {
        this(strategy, maxInstruments, maxTrackedOrders, false);
    }

    /** @param following the gate follows the whole bus, so orders may arrive after their events */
    StrategyBook(String strategy, int maxInstruments, int maxTrackedOrders, boolean following) {
        this.strategy = strategy;
        this.maxInstruments = maxInstruments;
        this.maxTrackedOrders = maxTrackedOrders;
        this.unmatched = !following ? null : new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Double> eldest) {
                return size() > maxTrackedOrders;
            }
        };
    }

    /**
     * An order another replica let pass (read from the bus): counted as open like one checked
     * here, without any rule, less what its events already said. Nothing when it is open already
     * (a resend) or the strategy's instruments or open orders are at their bounds.
     */
    synchronized void passedElsewhere(NewOrder o) {
        if (open.containsKey(o.clientOrderId())) {
            return;
        }
        Double done = unmatched == null ? null : unmatched.remove(o.clientOrderId());
        double remaining = o.quantity() - (done == null ? 0 : done);
        if (remaining <= EPSILON || open.size() >= maxTrackedOrders) {
            return;
        }
        Instrument in = instruments.get(o.instrumentId());
        if (in == null) {
            if (instruments.size() >= maxInstruments) {
                return;
            }
            in = new Instrument(o.instrumentId());
            instruments.put(in.id, in);
        }
        open.put(o.clientOrderId(), new Open(in, o.buy(), remaining));
        in.addOpen(o.buy(), remaining);
    }

    /**
     * Checks the order against every rule, and counts it as open when it passes.
     *
     * @param mids     the last mid prices
     * @param nowNanos {@link System#nanoTime()}
     * @return null when the order passes; else why not
     */
    synchronized Refusal admit(NewOrder o, LimitTable table, MidPrices mids, long nowNanos) {
        if (open.containsKey(o.clientOrderId())) {
            // a resend of an order already let through (the client retried after a reconnect): it
            // adds no exposure, and refusing it would tell the strategy an order was rejected
            // that the backend has stored and the adapter will work
            return null;
        }
        Instrument in = instruments.get(o.instrumentId());
        if (in == null) {
            if (instruments.size() >= maxInstruments) {
                return Refusal.denied(RiskRule.CAPACITY, strategy + " has orders on " + instruments.size()
                        + " instruments, the most risk.max-instruments allows; " + o.instrumentId() + " is not tracked");
            }
            in = new Instrument(o.instrumentId());
            instruments.put(in.id, in);
        }
        if (open.size() >= maxTrackedOrders) {
            return Refusal.denied(RiskRule.CAPACITY, strategy + " has " + open.size()
                    + " open orders, the most risk.max-tracked-orders allows");
        }
        if (in.resolvedFrom != table) {
            in.limits = table.limitsOf(strategy, in.id);
            in.resolvedFrom = table;
        }
        RiskLimit l = in.limits;
        Refusal r = OrderRules.quantity(o, l);
        if (r == null && OrderRules.needsMid(o, l)) {
            MidPrices.Mid mid = mids.of(o.instrumentId());
            double price = mid == null ? 0 : mid.price();
            r = OrderRules.freshness(o, l, price, mid == null ? 0 : nowNanos - mid.receivedNanos());
            if (r == null) {
                r = OrderRules.notional(o, l, price);
            }
            if (r == null) {
                r = OrderRules.collar(o, l, price);
            }
        }
        if (r == null) {
            r = OrderRules.openOrders(o, l, in.openOrders);
        }
        if (r == null) {
            r = OrderRules.position(o, l, in.position, o.buy() ? in.openBuys : in.openSells);
        }
        // the rate is taken last, so an order another rule refuses does not spend a token
        if (r == null && !in.bucket.tryTake(l.ordersPerSecond(), nowNanos)) {
            r = OrderRules.rate(o, l);
        }
        if (r == null) {
            open.put(o.clientOrderId(), new Open(in, o.buy(), o.quantity()));
            in.addOpen(o.buy(), o.quantity());
        }
        return r;
    }

    /** The order is no longer open: rejected, canceled, or its publish failed. */
    synchronized void ended(String clientOrderId) {
        Open o = open.remove(clientOrderId);
        if (o != null) {
            closed(o);
        } else if (unmatched != null && !clientOrderId.isEmpty()) {
            unmatched.put(clientOrderId, Double.POSITIVE_INFINITY);
        }
    }

    /**
     * A fill: moves the position, and the order's remaining quantity (the order ends when nothing
     * remains). A fill of an order the gate does not know (sent before a restart, or through
     * another replica) still moves the position when it names its instrument and side.
     *
     * @param instrumentId the fill's instrument, or empty to take the order's
     * @param side         1 buy, -1 sell, 0 unknown (the order's side)
     */
    synchronized void filled(String clientOrderId, String instrumentId, int side, double quantity) {
        Open o = open.get(clientOrderId);
        Instrument in = o != null ? o.instrument : instruments.get(instrumentId);
        if (in == null && !instrumentId.isEmpty() && instruments.size() < maxInstruments) {
            in = new Instrument(instrumentId);
            instruments.put(instrumentId, in);
        }
        boolean buy = side != 0 ? side > 0 : o != null && o.buy;
        if (in == null || (side == 0 && o == null)) {
            return;
        }
        in.position += buy ? quantity : -quantity;
        if (o == null && unmatched != null && !clientOrderId.isEmpty()) {
            unmatched.merge(clientOrderId, quantity, Double::sum);
        }
        if (o != null) {
            double done = Math.min(quantity, o.remaining);
            o.remaining -= done;
            in.reduceOpen(o.buy, done);
            if (o.remaining <= EPSILON) {
                open.remove(clientOrderId);
                in.openOrders--;
            }
        }
    }

    private static void closed(Open o) {
        o.instrument.openOrders--;
        o.instrument.reduceOpen(o.buy, o.remaining);
    }

    /** The position of one instrument (buys positive); 0 when unknown. For tests and the admin view. */
    synchronized double position(String instrumentId) {
        Instrument in = instruments.get(instrumentId);
        return in == null ? 0 : in.position;
    }

    /** Open orders of one instrument. */
    synchronized int openOrders(String instrumentId) {
        Instrument in = instruments.get(instrumentId);
        return in == null ? 0 : in.openOrders;
    }
}
