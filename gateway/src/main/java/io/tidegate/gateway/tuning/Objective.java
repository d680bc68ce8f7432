package io.tidegate.gateway.tuning;

/**
 * What the {@link TuningController} maximises: one number per measurement interval, higher is
 * better (for the gateway, messages dispatched per second with a penalty while urgent messages
 * miss their deadline; see {@link DispatchRateObjective}).
 *
 * <p>Threading: called by the controller's thread only, once per interval.
 */
@FunctionalInterface
public interface Objective {

    /** The objective over the time since the previous call (the first call starts the first interval). */
    double measure();
}
