package io.tidegate.intelligence.arbitrage;

import io.tidegate.intelligence.instrument.InstrumentKey;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Finds cross-venue crossings: per canonical instrument it keeps every venue's best bid and ask
 * and, after each update, the venue pair whose bid (sell) beats the other's ask (buy) by the most,
 * net of both taker fees. It emits OPEN when a pair's net edge first exceeds the threshold, UPDATE
 * when the open pair's size or edge changes materially, and CLOSE (with its duration) when it is
 * gone or another pair has become best (then OPEN for that pair).
 *
 * <p>Net edge in bps = {@code (bid_sell * (1 - fee_sell) / (ask_buy * (1 + fee_buy)) - 1) * 10^4},
 * fees as fractions: both fees are paid on the notional of their leg. A venue's side counts only
 * when its price and size are positive and its size reaches the venue's minimum; a pair only when
 * its executable size (the smaller of the two) reaches both venues' minimums. A venue is stale,
 * and left out, when its last update was received more than the stale age ago by the caller's
 * clock ({@code nowNanos}, e.g. {@link System#nanoTime()} at receipt), not by event time: venue
 * clocks disagree and replayed data carries old event times.
 *
 * <p>Cost: each update is one pass over the venues, without allocation, to find the best
 * effective bid and ask; only when that pass finds a crossing are the venue pairs scanned (to
 * honour minimum sizes) and a signal allocated. Memory is bounded by {@code maxInstruments x
 * maxVenues}.
 *
 * <p>Not thread-safe: one thread at a time (the caller serialises).
 */
public final class ArbitrageDetector {

  private static final double BPS = 10_000;

  private final ArbitrageSettings settings;
  private final ArbitrageListener listener;
  private final Map<InstrumentKey, InstrumentBook> books = new HashMap<>();
  private final Map<String, Integer> venueIndex = new HashMap<>();
  private final String[] venueNames;
  private final double[] minSize;
  private final double[] sellFactor;
  private final double[] buyFactor;
  private int venueCount;

  public ArbitrageDetector(ArbitrageSettings settings, ArbitrageListener listener) {
    this.settings = settings;
    this.listener = listener;
    int n = settings.maxVenues();
    this.venueNames = new String[n];
    this.minSize = new double[n];
    this.sellFactor = new double[n];
    this.buyFactor = new double[n];
  }

  /** The book of an instrument, created on first use; null once {@code maxInstruments} are tracked. */
  public InstrumentBook instrument(InstrumentKey key) {
    InstrumentBook book = books.get(key);
    if (book == null && books.size() < settings.maxInstruments()) {
      book = new InstrumentBook(key, settings.maxVenues());
      books.put(key, book);
    }
    return book;
  }

  /** The index of a venue (any case), assigned on first use; -1 once {@code maxVenues} are known. */
  public int venue(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    Integer index = venueIndex.get(upper);
    if (index != null) {
      return index;
    }
    if (venueCount == venueNames.length) {
      return -1;
    }
    VenueTerms terms = settings.terms(upper);
    int v = venueCount++;
    venueNames[v] = upper;
    minSize[v] = terms.minSize();
    sellFactor[v] = 1 - terms.takerFeeBps() / BPS;
    buyFactor[v] = 1 + terms.takerFeeBps() / BPS;
    venueIndex.put(upper, v);
    return v;
  }

  /** Instruments tracked. */
  public int instrumentCount() {
    return books.size();
  }

  /**
   * A venue's new top of book (from a quote, or from a book after any change at the top). A side
   * without liquidity has price or size 0 (or NaN) and does not count.
   *
   * @param tsEvent  the venue's event time, carried into signals
   * @param nowNanos the caller's clock at receipt; staleness and durations are measured in it
   */
  public void onTopOfBook(InstrumentBook book, int venue, double bidPrice, double bidSize, double askPrice,
      double askSize, long tsEvent, long nowNanos) {
    book.bidPrice[venue] = bidPrice;
    book.bidSize[venue] = bidSize;
    book.askPrice[venue] = askPrice;
    book.askSize[venue] = askSize;
    book.tsEvent[venue] = tsEvent;
    book.receivedAt[venue] = nowNanos;
    book.present[venue] = true;
    evaluate(book, nowNanos);
  }

  /** A venue's book for this instrument was reset: forget its prices until its next update. */
  public void venueReset(InstrumentBook book, int venue, long nowNanos) {
    book.present[venue] = false;
    evaluate(book, nowNanos);
  }

  /** {@link #venueReset(InstrumentBook, int, long)} by names; a no-op for an unknown instrument or venue. */
  public void venueReset(String venue, InstrumentKey instrument, long nowNanos) {
    InstrumentBook book = books.get(instrument);
    Integer v = venueIndex.get(venue.toUpperCase(Locale.ROOT));
    if (book != null && v != null) {
      venueReset(book, v, nowNanos);
    }
  }

  /**
   * Re-evaluates every instrument with an open crossing, so that one closes when a venue goes
   * stale even if no further quote arrives; call it now and then (e.g. every half stale age).
   */
  public void sweep(long nowNanos) {
    for (InstrumentBook book : books.values()) {
      if (book.crossingOpen()) {
        evaluate(book, nowNanos);
      }
    }
  }

  private void evaluate(InstrumentBook book, long now) {
    if (!bestEdgeCrosses(book, now)) {
      if (book.crossingOpen()) {
        close(book, now);
      }
      return;
    }
    pickPair(book, now);
  }

  /**
   * One pass: the best effective bid and ask (top two of each, in case one venue holds both) and
   * whether they cross by more than the threshold. Sizes per pair are checked later.
   */
  private boolean bestEdgeCrosses(InstrumentBook book, long now) {
    double sell1 = 0;
    double sell2 = 0;
    int sell1Venue = -1;
    double buy1 = Double.MAX_VALUE;
    double buy2 = Double.MAX_VALUE;
    int buy1Venue = -1;
    for (int v = 0; v < venueCount; v++) {
      if (!fresh(book, v, now)) {
        continue;
      }
      if (sellable(book, v)) {
        double s = book.bidPrice[v] * sellFactor[v];
        if (s > sell1) {
          sell2 = sell1;
          sell1 = s;
          sell1Venue = v;
        } else if (s > sell2) {
          sell2 = s;
        }
      }
      if (buyable(book, v)) {
        double b = book.askPrice[v] * buyFactor[v];
        if (b < buy1) {
          buy2 = buy1;
          buy1 = b;
          buy1Venue = v;
        } else if (b < buy2) {
          buy2 = b;
        }
      }
    }
    if (sell1Venue < 0 || buy1Venue < 0) {
      return false;
    }
    double ratio = sell1Venue != buy1Venue ? sell1 / buy1 : Math.max(sell1 / buy2, sell2 / buy1);
    return (ratio - 1) * BPS > settings.thresholdBps();
  }

  /** Scans the venue pairs for the best one whose size reaches both minimums, and acts on it. */
  private void pickPair(InstrumentBook book, long now) {
    int bestBuy = -1;
    int bestSell = -1;
    double bestEdge = settings.thresholdBps();
    for (int s = 0; s < venueCount; s++) {
      if (!fresh(book, s, now) || !sellable(book, s)) {
        continue;
      }
      for (int b = 0; b < venueCount; b++) {
        if (b == s || !fresh(book, b, now) || !buyable(book, b)) {
          continue;
        }
        double size = Math.min(book.bidSize[s], book.askSize[b]);
        if (size < minSize[s] || size < minSize[b]) {
          continue;
        }
        double edge = edgeBps(book, b, s);
        if (edge > bestEdge) {
          bestEdge = edge;
          bestBuy = b;
          bestSell = s;
        }
      }
    }
    if (bestBuy < 0) {
      if (book.crossingOpen()) {
        close(book, now);
      }
      return;
    }
    double size = Math.min(book.bidSize[bestSell], book.askSize[bestBuy]);
    if (book.buyVenue == bestBuy && book.sellVenue == bestSell) {
      if (material(book, size, bestEdge)) {
        remember(book, bestBuy, bestSell, size, bestEdge);
        emit(book, SignalKind.UPDATE, now);
      }
      return;
    }
    if (book.crossingOpen()) {
      close(book, now);
    }
    book.openedAt = now;
    remember(book, bestBuy, bestSell, size, bestEdge);
    emit(book, SignalKind.OPEN, now);
  }

  private double edgeBps(InstrumentBook book, int buy, int sell) {
    return (book.bidPrice[sell] * sellFactor[sell] / (book.askPrice[buy] * buyFactor[buy]) - 1) * BPS;
  }

  private boolean material(InstrumentBook book, double size, double edge) {
    return Math.abs(edge - book.sentEdge) >= settings.updateEdgeBps()
        || Math.abs(size - book.sentSize) >= settings.updateSizeFraction() * book.sentSize;
  }

  private static void remember(InstrumentBook book, int buy, int sell, double size, double edge) {
    book.buyVenue = buy;
    book.sellVenue = sell;
    book.sentBuyPrice = book.askPrice[buy];
    book.sentSellPrice = book.bidPrice[sell];
    book.sentSize = size;
    book.sentEdge = edge;
    book.sentBuyTs = book.tsEvent[buy];
    book.sentSellTs = book.tsEvent[sell];
  }

  private void close(InstrumentBook book, long now) {
    emit(book, SignalKind.CLOSE, now);
    book.buyVenue = -1;
    book.sellVenue = -1;
  }

  private void emit(InstrumentBook book, SignalKind kind, long now) {
    listener.onSignal(new ArbitrageSignal(kind, book.key, venueNames[book.buyVenue],
        book.symbol[book.buyVenue], book.sentBuyPrice, venueNames[book.sellVenue], book.symbol[book.sellVenue],
        book.sentSellPrice, book.sentSize, book.sentEdge, book.sentBuyTs,
        book.sentSellTs, book.openedAt, now));
  }

  private boolean fresh(InstrumentBook book, int v, long now) {
    return book.present[v] && now - book.receivedAt[v] <= settings.staleAfterNanos();
  }

  // "> 0" is false for NaN, so a missing side never counts
  private boolean sellable(InstrumentBook book, int v) {
    return book.bidPrice[v] > 0 && book.bidSize[v] > 0 && book.bidSize[v] >= minSize[v];
  }

  private boolean buyable(InstrumentBook book, int v) {
    return book.askPrice[v] > 0 && book.askSize[v] > 0 && book.askSize[v] >= minSize[v];
  }
}
