package io.tidegate.intelligence.arbitrage;

import io.tidegate.intelligence.instrument.InstrumentKey;
import java.util.Arrays;

/**
 * One instrument's top of book on every venue, and the crossing currently open on it. A handle the
 * caller gets from {@link ArbitrageDetector#instrument} and hands back with each update, so the hot
 * path does no map lookup. Owned by its detector: same threading rule (one thread at a time).
 */
public final class InstrumentBook {

  final InstrumentKey key;
  final double[] bidPrice;
  final double[] bidSize;
  final double[] askPrice;
  final double[] askSize;
  final long[] tsEvent;
  /** Caller's clock at the last update; staleness is measured against it. */
  final long[] receivedAt;
  final boolean[] present;
  /** Each venue's own name for the instrument, carried into signals; "" until named. */
  final String[] symbol;

  // the open crossing, buyVenue < 0 when none; the values are those last sent
  int buyVenue = -1;
  int sellVenue = -1;
  long openedAt;
  double sentBuyPrice;
  double sentSellPrice;
  double sentSize;
  double sentEdge;
  long sentBuyTs;
  long sentSellTs;

  InstrumentBook(InstrumentKey key, int maxVenues) {
    this.key = key;
    this.bidPrice = new double[maxVenues];
    this.bidSize = new double[maxVenues];
    this.askPrice = new double[maxVenues];
    this.askSize = new double[maxVenues];
    this.tsEvent = new long[maxVenues];
    this.receivedAt = new long[maxVenues];
    this.present = new boolean[maxVenues];
    this.symbol = new String[maxVenues];
    Arrays.fill(symbol, "");
  }

  /** The instrument this book is for. */
  public InstrumentKey key() {
    return key;
  }

  /** Names the instrument as a venue lists it (its native id), so signals can say what to trade. */
  public void nativeSymbol(int venue, String nativeId) {
    symbol[venue] = nativeId;
  }

  /** Whether a crossing is open on this instrument. */
  public boolean crossingOpen() {
    return buyVenue >= 0;
  }
}
