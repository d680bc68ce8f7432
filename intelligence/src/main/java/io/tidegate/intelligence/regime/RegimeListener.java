package io.tidegate.intelligence.regime;

/**
 * Told of every {@link RegimeChange}. Called on the thread that fed the message which caused the change,
 * while that instrument's writer is inside {@link InstrumentRegime}: it must be quick and must not block
 * (hand the change to a publisher queue).
 */
@FunctionalInterface
public interface RegimeListener {
    void onRegimeChange(RegimeChange change);
}
