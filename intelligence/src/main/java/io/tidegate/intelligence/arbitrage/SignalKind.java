package io.tidegate.intelligence.arbitrage;

/** Where a signal is in the life of one crossing. */
public enum SignalKind {
  /** A crossing appeared between a venue pair. */
  OPEN,
  /** The open crossing's size or edge changed materially. */
  UPDATE,
  /** The crossing is gone (prices moved, a venue went stale or reset, or another pair is now best). */
  CLOSE
}
