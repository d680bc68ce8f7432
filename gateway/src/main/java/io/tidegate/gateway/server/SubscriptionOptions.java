package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.SubscriptionSpec;

/**
 * A validated Subscribe frame: the backend spec plus what the session itself enforces.
 * Immutable.
 */
record SubscriptionOptions(String id, SubscriptionSpec spec, int initialCredit, boolean conflate,
                           java.util.Set<String> instruments) {

    SubscriptionOptions {
        instruments = java.util.Set.copyOf(instruments);
    }

    /** Not by instrument. */
    SubscriptionOptions(String id, SubscriptionSpec spec, int initialCredit, boolean conflate) {
        this(id, spec, initialCredit, conflate, java.util.Set.of());
    }

    SubscriptionOptions withSpec(SubscriptionSpec newSpec) {
        return new SubscriptionOptions(id, newSpec, initialCredit, conflate);
    }

    boolean isGroup() {
        return spec.isGroup();
    }
}
