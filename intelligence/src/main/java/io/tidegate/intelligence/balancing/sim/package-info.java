/** Deterministic discrete-event simulation of a consumer group on one or two gateway replicas, and the pull-versus-predictive evaluation. */
package io.tidegate.intelligence.balancing.sim;
