package io.tidegate.intelligence.regime;

/**
 * The features that decided a regime, each relative to the instrument's learned normal, so 1.0 means
 * "as usual". Immutable value; safe from any thread.
 *
 * @param volatilityRatio realised volatility over the window / normal volatility
 * @param spreadRatio     smoothed spread / normal spread
 * @param quoteRateRatio  smoothed quote rate / normal quote rate
 * @param topSizeRatio    smoothed top-of-book size (bid + ask) / normal top size
 * @param driftT          the window's move in units of the standard deviation of its noise (signed)
 */
public record RegimeFeatures(double volatilityRatio, double spreadRatio, double quoteRateRatio,
                             double topSizeRatio, double driftT) {
}
