package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.SubscriptionSpec;

/**
 * A validated Subscribe frame: the backend spec plus what the session itself enforces.
 * Immutable.
 */
record SubscriptionOptions(String id, SubscriptionSpec spec, int initialCredit, boolean conflate) {

    boolean isGroup() {
        return spec.isGroup();
    }
}
