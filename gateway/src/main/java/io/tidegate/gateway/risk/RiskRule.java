package io.tidegate.gateway.risk;

import java.util.Locale;

/** Why the risk gate refused a message; the lower-case, dashed name is the {@code rule} metric label. */
public enum RiskRule {
    KILL_SWITCH, MAX_QUANTITY, MAX_NOTIONAL, COLLAR_BPS, ORDERS_PER_SECOND, MAX_OPEN_ORDERS, MAX_POSITION,
    /** No mid price, or one older than max-price-age, for a rule that needs it. */
    NO_PRICE,
    /** The strategy's identity does not match the topic, or too many strategies, instruments or orders are tracked. */
    CAPACITY,
    /** With the redis backend: the replica has not yet read the orders and events every replica stored (start-up). */
    REBUILDING,
    /** The message is not a well-formed SubmitOrder or CancelOrder. */
    INVALID;

    private final String label = name().toLowerCase(Locale.ROOT).replace('_', '-');

    /** The metric label, e.g. {@code max-quantity}. */
    public String label() {
        return label;
    }
}
