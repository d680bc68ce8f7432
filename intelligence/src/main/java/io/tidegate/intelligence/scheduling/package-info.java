/** Which priority lane to drain next under contention: fifo, strict, weighted and learned policies, the safety rails around them, and regime-aware class rules. */
package io.tidegate.intelligence.scheduling;
