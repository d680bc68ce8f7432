package io.tidegate.intelligence.scheduling;

/**
 * Told when the learned policy falls back to strict priority, so the host can log it and raise
 * its metric. Called on the drain thread; must not block.
 */
@FunctionalInterface
public interface FallbackListener {

    /** The learned policy stopped deciding; strict priority decides from now on. */
    void onFallback(FallbackEvent event);
}
