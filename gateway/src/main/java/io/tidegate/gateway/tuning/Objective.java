package io.tidegate.gateway.tuning;

/**
 * What the {@link TuningController} maximises: one {@link Reading} per measurement interval, the
 * objective at each {@link Tunable.Stage}, higher is better (for the gateway, messages per second
 * dispatched and delivered, with a penalty while urgent messages miss their deadline; see
 * {@link ThroughputObjective}). A step on trial is judged by its own stage's value.
 *
 * <p>Threading: called by the controller's thread only, once per interval.
 */
@FunctionalInterface
public interface Objective {

    /** The objective over the time since the previous call (the first call starts the first interval). */
    Reading measure();

    /** One interval's objective at the ingress and at the delivery stage. */
    record Reading(double ingress, double delivery) {

        /** The same value at both stages. */
        public static Reading both(double value) {
            return new Reading(value, value);
        }

        public double at(Tunable.Stage stage) {
            return stage == Tunable.Stage.INGRESS ? ingress : delivery;
        }
    }
}
