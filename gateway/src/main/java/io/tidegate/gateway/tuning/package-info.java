/** Adaptive tuning: a controller that moves hand-picked settings within bounds from measured message rates. */
package io.tidegate.gateway.tuning;
