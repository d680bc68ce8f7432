package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.SubscriptionSpec;

/**
 * A validated Subscribe frame: the backend spec plus what the session itself enforces.
 * Immutable.
 */
record SubscriptionOptions(String id, SubscriptionSpec spec, int initialCredit, boolean conflate) {

    SubscriptionOptions withSpec(SubscriptionSpec newSpec) {
        return new SubscriptionOptions(id, newSpec, initialCredit, conflate);
    }

    boolean isGroup() {
        return spec.isGroup();
    }
}
