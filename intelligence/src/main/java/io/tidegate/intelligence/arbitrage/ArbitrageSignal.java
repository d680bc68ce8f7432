package io.tidegate.intelligence.arbitrage;

import io.tidegate.intelligence.instrument.InstrumentKey;

/**
 * One step of a crossing's life: buy on {@code buyVenue} at its ask, sell on {@code sellVenue} at
 * its bid. A CLOSE repeats the last prices, size and edge sent for the crossing. Times are in the
 * caller's clock (what it passed as {@code nowNanos}) except the two event times, which are the
 * venues'. Immutable.
 *
 * @param kind          open, update or close
 * @param instrument    the canonical instrument
 * @param buyVenue      venue whose ask is bought
 * @param buySymbol     the buy venue's native id for the instrument ("" when not named)
 * @param buyPrice      that ask
 * @param sellVenue     venue whose bid is sold
 * @param sellSymbol    the sell venue's native id for the instrument ("" when not named)
 * @param sellPrice     that bid
 * @param size          executable size: the smaller of the two sizes
 * @param edgeBps       edge in bps net of both taker fees
 * @param buyTsEvent    event time of the buy venue's quote
 * @param sellTsEvent   event time of the sell venue's quote
 * @param openedAtNanos when the crossing opened (caller's clock)
 * @param atNanos       when this step happened (caller's clock)
 */
public record ArbitrageSignal(
    SignalKind kind,
    InstrumentKey instrument,
    String buyVenue,
    String buySymbol,
    double buyPrice,
    String sellVenue,
    String sellSymbol,
    double sellPrice,
    double size,
    double edgeBps,
    long buyTsEvent,
    long sellTsEvent,
    long openedAtNanos,
    long atNanos) {

  /** How long the crossing has been open at this step; for a CLOSE, how long it lasted. */
  public long durationNanos() {
    return atNanos - openedAtNanos;
  }
}
