/** Adaptive tuning: a controller that moves hand-picked settings within bounds from the measured dispatch rate. */
package io.tidegate.gateway.tuning;
