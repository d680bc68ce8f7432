/** The storage contract (Backend, envelopes, subscriptions, positions) that memory and redis implement; depends on config slices and routing only. */
package io.tidegate.gateway.backend;
