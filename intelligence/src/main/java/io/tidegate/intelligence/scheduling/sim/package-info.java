/** Deterministic discrete-event simulation of the dispatch lanes: workload files, the simulator, Q-table training and the policy evaluation. */
package io.tidegate.intelligence.scheduling.sim;
