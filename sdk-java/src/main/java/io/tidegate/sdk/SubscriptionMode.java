package io.tidegate.sdk;

/** How the messages of a subscription are shared. */
public enum SubscriptionMode {
    /** Every subscriber gets every matching message (market data fan-out). */
    BROADCAST,
    /** Members of a named group share the messages; each message goes to one member and must be acked. */
    GROUP
}
