package io.tidegate.intelligence.balancing;

import java.util.Locale;

/**
 * The values of {@code delivery.balancer}: {@code pull} hands a group message to whichever
 * member reads first (credit-based pull), {@code predictive} to the member predicted to finish
 * it first. Immutable; any thread.
 */
public enum BalancerKind {
    PULL,
    PREDICTIVE;

    /** The config value in lower case. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a config value; the message of the exception names the accepted values. */
    public static BalancerKind parse(String value) {
        for (BalancerKind k : values()) {
            if (k.configValue().equals(value == null ? null : value.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("delivery.balancer must be pull or predictive, got '" + value + "'");
    }
}
