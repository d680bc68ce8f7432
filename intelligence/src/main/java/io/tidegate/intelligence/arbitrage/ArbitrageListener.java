package io.tidegate.intelligence.arbitrage;

/** Receives the detector's signals, on the thread that fed the detector; must not block. */
@FunctionalInterface
public interface ArbitrageListener {

  /** One open, update or close. */
  void onSignal(ArbitrageSignal signal);
}
