package io.tidegate.gateway.risk;

/**
 * The fields of a SubmitOrder the rules read, decoded and checked for shape. Immutable.
 *
 * @param strategy the strategy identity the order is checked as (see {@link OrderRiskGate})
 * @param price    the LIMIT price; 0 for a MARKET order
 */
record NewOrder(String strategy, String clientOrderId, String instrumentId, boolean buy, boolean limit,
                double quantity, double price) {

    /** e.g. {@code "strat-1 BTCUSDT.BINANCE"}, for refusal texts. */
    String who() {
        return strategy + " " + instrumentId;
    }
}
